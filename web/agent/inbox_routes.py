"""The agent inbox's route: one page of a view, filtered, searched and sorted (role: agent).

``GET /api/agent/inbox?view=unassigned&priority=high&q=1042&sort=priority&page=2``; the
parameters are those of ``web.agent.inbox.InboxQuery``, each checked, and a wrong one is
named in the 422 answer. The answer carries the time the server took (``server_ms``,
also as a ``Server-Timing`` header) for the consoles benchmark.
"""

from __future__ import annotations

import logging
import time

from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from actions.errors import StoreUnavailable
from web.accounts.guards import requires_role
from web.agent import wording
from web.agent.inbox import Inbox, InboxIndexer, InboxQuery
from web.services import services_of

logger = logging.getLogger(__name__)


@requires_role("agent")
async def inbox(request: Request) -> Response:
    """A page of the inbox, with each view's count and the filters' options."""
    started = time.perf_counter()
    try:
        query = InboxQuery.model_validate({k: v for k, v in request.query_params.items() if v != ""})
    except ValidationError as error:
        details = [{"field": ".".join(str(p) for p in e["loc"]), "message": e["msg"]} for e in error.errors()]
        return JSONResponse({"error": wording.INVALID_REQUEST, "details": details}, status_code=422)
    services, user = services_of(request), request.state.user
    if query.q:
        try:
            # A customer's newest words are found too: fold the messages since the last search.
            await InboxIndexer(services.redis, services.keys).catch_up()
        except StoreUnavailable:
            logger.exception("agent inbox: new messages not indexed; searching what is")
    page = await Inbox(services.redis, services.keys, services.emotion_timeline).page(query, user.username)
    if query.q:
        # Looking a customer up by id, name, e-mail or order is on the record (the terms are not).
        await services.audit(user.username, "conversation.search", "inbox",
                             {"view": query.view, "results": page.total})  # fmt: skip
    server_ms = (time.perf_counter() - started) * 1000
    body = {**page.model_dump(mode="json"), "server_ms": round(server_ms, 1)}
    return JSONResponse(body, headers={"Server-Timing": f"inbox;dur={server_ms:.1f}"})


def inbox_routes() -> list[BaseRoute]:
    """The inbox's route (listed with the agent console's in ``web.agent.routes``)."""
    return [Route("/api/agent/inbox", inbox, methods=["GET"])]

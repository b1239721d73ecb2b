"""The topics pages of the marketer console: what customers talk about, and a marketer's renames and merges.

    GET  /marketing/topics                    every topic: name, words, 30-day trend, emerging evidence
    GET  /marketing/topics/{id}               one topic: examples, daily table, its conversations
    POST /marketing/topics/{id}/rename        form: ``name`` (blank: back to the automatic name)
    POST /marketing/topics/{id}/merge         form: ``into``, the topic to count it under
    POST /marketing/topics/{id}/unmerge       the topic counts on its own again

Plain HTML forms (no script): the CSRF token is a form field, checked by ``AuthMiddleware``.
Every change goes through ``TopicBoard`` and is written to the console audit log
(``topic.rename``, ``topic.merge``, ``topic.unmerge``); a refused one (``TopicChangeRefused``)
shows the page again with the reason. Conversations are listed, and linked to the agent
console, only for the roles that may read them (``CONVERSATION_READERS``).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from actions.errors import TopicChangeRefused, TopicNotFound
from web.accounts.guards import CONVERSATION_READERS, has_role
from web.marketing.topics_view import TREND_DAYS, last_days, topic_row, topic_rows
from web.privacy.forms import form_fields
from web.services import services_of

logger = logging.getLogger(__name__)

TOPICS_PATH = "/marketing/topics"
# Where the agent console opens a conversation (web/console/agent.js reads the fragment).
CONVERSATION_LINK = "/agent#conversation={}"


def _topic_path(topic_id: str) -> str:
    return f"{TOPICS_PATH}/{quote(topic_id, safe='')}"


async def _list_page(request: Request, error: str | None = None, status_code: int = 200) -> Response:
    services = services_of(request)
    rows = await topic_rows(services.topics, datetime.now(UTC))
    return services.pages.console(
        request,
        "marketing/topics.html",
        status_code,
        rows=rows,
        error=error,
        trend_days=TREND_DAYS,
    )


async def _topic_page(
    request: Request, topic_id: str, error: str | None = None, status_code: int = 200
) -> Response:
    services = services_of(request)
    board = services.topics
    try:
        view = await board.topic(topic_id)
    except TopicNotFound:
        return _not_found(request, topic_id)
    if view.id != topic_id and error is None:
        # A topic merged into another is shown as the topic it is counted under.
        return RedirectResponse(_topic_path(view.id), status_code=303)
    days = last_days(datetime.now(UTC).date())
    row = await topic_row(board, view, days, await board.emerging())
    readers = has_role(request.state.user, *CONVERSATION_READERS)
    context: dict[str, Any] = {
        "row": row,
        "error": error,
        "trend_days": TREND_DAYS,
        "others": [other for other in await board.topics() if other.id != view.id],
        "may_read_conversations": readers,
        "conversations": await board.conversations(view) if readers else [],
        "conversation_link": CONVERSATION_LINK,
    }
    return services.pages.console(request, "marketing/topic.html", status_code, **context)


def _not_found(request: Request, topic_id: str) -> Response:
    return services_of(request).pages.console(request, "marketing/topic_missing.html", 404, topic_id=topic_id)


async def topics(request: Request) -> Response:
    """GET /marketing/topics: every topic, emerging first, then by volume over the last 30 days."""
    return await _list_page(request)


async def topic(request: Request) -> Response:
    """GET /marketing/topics/{topic_id}: one topic's examples, days and conversations."""
    return await _topic_page(request, request.path_params["topic_id"])


async def _changed(
    request: Request, topic_id: str, back: str, refused: TopicChangeRefused | None
) -> Response:
    """After a change: back to the page it was made on, or that page again with the reason it was refused."""
    if back == "topic":
        if refused is not None:
            return await _topic_page(request, topic_id, str(refused), 400)
        return RedirectResponse(_topic_path(topic_id), status_code=303)
    if refused is not None:
        return await _list_page(request, str(refused), 400)
    return RedirectResponse(f"{TOPICS_PATH}#topic-{quote(topic_id, safe='')}", status_code=303)


async def rename(request: Request) -> Response:
    """POST: the marketer's name for the topic (blank: the automatic name again); audited."""
    topic_id, board = request.path_params["topic_id"], services_of(request).topics
    fields = await form_fields(request, "name", "back")
    try:
        before = await board.topic(topic_id)
        await board.rename(topic_id, fields["name"])
    except TopicNotFound:
        return _not_found(request, topic_id)
    except TopicChangeRefused as refused:
        return await _changed(request, topic_id, fields["back"], refused)
    after = await board.topic(topic_id)
    await _record(request, "topic.rename", topic_id, {"name": after.name, "previous": before.name})
    return await _changed(request, topic_id, fields["back"], None)


async def merge(request: Request) -> Response:
    """POST: count the topic under ``into`` from now on, its past days included; audited."""
    topic_id, board = request.path_params["topic_id"], services_of(request).topics
    fields = await form_fields(request, "into", "back")
    into = fields["into"].strip()
    try:
        if not into:
            raise TopicChangeRefused("merge: choose the topic to merge it into")
        await board.merge(topic_id, into)
    except TopicNotFound as missing:
        return await _changed(request, topic_id, fields["back"], TopicChangeRefused(f"merge: {missing}"))
    except TopicChangeRefused as refused:
        return await _changed(request, topic_id, fields["back"], refused)
    await _record(request, "topic.merge", topic_id, {"into": into})
    return await _changed(request, into, fields["back"], None)


async def unmerge(request: Request) -> Response:
    """POST: the topic (merged into another) counts on its own again; audited."""
    topic_id, board = request.path_params["topic_id"], services_of(request).topics
    fields = await form_fields(request, "back")
    try:
        counted_under = (await board.topic(topic_id)).id
    except TopicNotFound:
        return _not_found(request, topic_id)
    await board.unmerge(topic_id)
    await _record(request, "topic.unmerge", topic_id, {"from": counted_under})
    return await _changed(request, topic_id, fields["back"], None)


async def _record(request: Request, action: str, topic_id: str, details: dict[str, Any]) -> None:
    username = str(request.state.user.username)
    await services_of(request).audit(username, action, topic_id, details)
    logger.info("%s %s by %s", action, topic_id, username)

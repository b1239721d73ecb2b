"""JSON answers of the marketer API, and the one place our errors become HTTP statuses.

Endpoints raise (``OfferRulesInvalid``, ``OfferRulesConflict``, ``RequestInvalid``...);
``json_errors`` turns each into a status and a small JSON body a marketer can act on.
Exception text of our own errors is written for people; anything else is logged
and answered with a fixed message (tracebacks appear only in debug, via the app).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from actions.errors import (
    AssistantError,
    OfferRuleNotFound,
    OfferRulesConflict,
    OfferRulesInvalid,
    StoreDataError,
    StoreUnavailable,
)

logger = logging.getLogger(__name__)

Endpoint = Callable[[Request], Awaitable[Response]]

# Console data is per user and changes with every save: never cache it.
NO_STORE = {"Cache-Control": "no-store"}


class RequestInvalid(AssistantError, ValueError):
    """The request itself is malformed (not JSON, unknown field, bad date): HTTP 400."""


class Problem(BaseModel):
    """One validation problem: the field path in the rule set, the path in the rule, the reason."""

    path: str
    field: str
    message: str


def problem_of(line: str) -> Problem:
    """``rules[2].variants[0].message: must not be empty`` -> its path, in-rule field and reason."""
    path, _, message = line.partition(": ")
    field = path
    if path.startswith("rules["):
        # The form addresses its inputs by the path inside one rule.
        field = path[path.index("]") + 1 :].removeprefix(".")
    return Problem(path=path, field=field, message=message)


def json_response(data: BaseModel | dict[str, Any], status_code: int = 200) -> JSONResponse:
    """Answer with JSON that is never cached; pydantic models are dumped in JSON mode."""
    content = data.model_dump(mode="json") if isinstance(data, BaseModel) else data
    return JSONResponse(content, status_code=status_code, headers=NO_STORE)


def json_errors(endpoint: Endpoint) -> Endpoint:
    """Answer our errors with their HTTP status and a JSON body instead of a 500 page."""

    @functools.wraps(endpoint)
    async def wrapped(request: Request) -> Response:
        try:
            return await endpoint(request)
        except OfferRulesInvalid as error:
            problems = [problem_of(line).model_dump() for line in error.problems]
            return json_response({"error": "the rule is not valid", "problems": problems}, 422)
        except OfferRulesConflict as error:
            return json_response({"error": str(error), "current_version": error.actual}, 409)
        except OfferRuleNotFound as error:
            return json_response({"error": str(error)}, 404)
        except RequestInvalid as error:
            return json_response({"error": str(error)}, 400)
        except StoreUnavailable as error:
            logger.exception("marketer console %s %s: Redis unavailable", request.method, request.url.path)
            return json_response({"error": str(error)}, 503)
        except StoreDataError as error:
            logger.exception("marketer console %s %s: bad data in Redis", request.method, request.url.path)
            return json_response({"error": str(error)}, 500)

    return wrapped

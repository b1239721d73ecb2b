"""The admin's privacy page: what is held about a customer, its export, its erasure.

The console twin of ``python -m jobs.privacy export|erase``: the same inventory
(``actions.privacy.inventory``), the same JSON document and the same audit entries,
with the admin's username as the actor where the CLI writes ``cli:<user>``.

    GET  /admin/privacy[?customer_id=ID]   the form; with an id, what is held (counts only)
    POST /admin/privacy/export             the JSON document as a download, audited first
    POST /admin/privacy/erase              with the id typed twice: erased, audited, counts shown

Only ``admin`` gets in: ``requires_role("admin")`` refuses every other role with 403
(admin passes every role check, so naming admin alone shuts the others out). The two
POSTs carry the session's CSRF token in the form, checked by ``AuthMiddleware``.
"""

from __future__ import annotations

import json
import logging

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from actions.errors import StoreUnavailable
from actions.privacy.inventory import (
    MAX_CUSTOMER_ID_LENGTH,
    CustomerData,
    erase_customer,
    export_document,
    find_customer_data,
)
from web.accounts.guards import requires_role
from web.accounts.models import User
from web.accounts.pages import error_page
from web.pages import NO_STORE
from web.privacy.forms import (
    CONFIRM_FIELD,
    CUSTOMER_ID_FIELD,
    FieldInvalid,
    check_confirmation,
    check_customer_id,
    export_filename,
    form_fields,
)
from web.services import services_of

logger = logging.getLogger(__name__)

PATH = "/admin/privacy"
PAGE = "privacy/customer.html"
ERASED_PAGE = "privacy/erased.html"
UNAVAILABLE = "Customer data unavailable"
# What happened to the data, for each place Redis can stop answering.
NOTHING_DONE = "The data store is not answering: nothing was read, exported or erased. Try again in a minute."
PARTLY_ERASED = (
    "The data store stopped answering during the erasure: part of the data may be erased already, "
    "the rest is still there. Erase again once it answers; erasing twice is safe."
)
NOT_RECORDED = (
    "The data was erased (erasure id {erasure_id}), but the audit log could not be written. "
    "Keep the erasure id with the request."
)


def _admin(request: Request) -> User:
    user: User = request.state.user
    return user


def _page(
    request: Request,
    typed: str = "",
    data: CustomerData | None = None,
    error: FieldInvalid | None = None,
) -> Response:
    """The form, and when ``data`` was read, what is held; a field ``error`` makes it a 400."""
    pages = services_of(request).pages
    return pages.console(
        request,
        PAGE,
        400 if error else 200,
        typed=typed[: MAX_CUSTOMER_ID_LENGTH * 2],
        data=data,
        error=error,
        customer_id_field=CUSTOMER_ID_FIELD,
        confirm_field=CONFIRM_FIELD,
    )


def _unavailable(request: Request, message: str) -> Response:
    return error_page(request, 503, UNAVAILABLE, message)


@requires_role("admin")
async def customer_page(request: Request) -> Response:
    """GET: the look-up form; with ``customer_id``, the counts of what is held and the conversations.

    Nothing is changed or audited: the counts and conversation ids are what the audit
    entries of an export or erasure hold anyway.
    """
    typed = request.query_params.get(CUSTOMER_ID_FIELD)
    if typed is None:
        return _page(request)
    try:
        customer_id = check_customer_id(typed)
    except FieldInvalid as error:
        return _page(request, typed, error=error)
    services = services_of(request)
    try:
        data = await find_customer_data(services.redis, services.keys, customer_id)
    except StoreUnavailable:
        logger.exception("privacy console: look-up by %s failed: Redis unavailable", _admin(request).username)
        return _unavailable(request, NOTHING_DONE)
    return _page(request, customer_id, data)


@requires_role("admin")
async def export(request: Request) -> Response:
    """POST: everything held about the customer, as the CLI's JSON document, downloaded.

    The audit entry is written before the document leaves: an export that could not be
    recorded is not handed out.
    """
    typed = (await form_fields(request, CUSTOMER_ID_FIELD))[CUSTOMER_ID_FIELD]
    try:
        customer_id = check_customer_id(typed)
    except FieldInvalid as error:
        return _page(request, typed, error=error)
    services, admin = services_of(request), _admin(request)
    try:
        data = await find_customer_data(services.redis, services.keys, customer_id)
        document = export_document(data)
        # A read of a customer's data, as the CLI records it; the entry names them, so erasure removes it.
        await services.audit(admin.username, "customer.export", customer_id, {"summary": data.summary()})
    except StoreUnavailable:
        logger.exception("privacy console: export by %s failed: Redis unavailable", admin.username)
        return _unavailable(request, NOTHING_DONE)
    logger.info("privacy console: %s exported a customer's data", admin.username)
    body = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    headers = {
        "Cache-Control": NO_STORE,
        "Content-Disposition": f'attachment; filename="{export_filename(customer_id)}"',
    }
    return Response(body, media_type="application/json", headers=headers)


@requires_role("admin")
async def erase(request: Request) -> Response:
    """POST: erase everything held about the customer once the id was typed twice; show the counts."""
    fields = await form_fields(request, CUSTOMER_ID_FIELD, CONFIRM_FIELD)
    typed = fields[CUSTOMER_ID_FIELD]
    try:
        customer_id = check_customer_id(typed)
    except FieldInvalid as error:
        return _page(request, typed, error=error)
    services, admin = services_of(request), _admin(request)
    try:
        data = await find_customer_data(services.redis, services.keys, customer_id)
    except StoreUnavailable:
        logger.exception("privacy console: erasure by %s failed: Redis unavailable", admin.username)
        return _unavailable(request, NOTHING_DONE)
    try:
        check_confirmation(customer_id, fields[CONFIRM_FIELD])
    except FieldInvalid as error:
        return _page(request, customer_id, data, error)
    try:
        report = await erase_customer(services.redis, services.keys, data)
    except StoreUnavailable:
        logger.exception("privacy console: erasure by %s interrupted: Redis unavailable", admin.username)
        return _unavailable(request, PARTLY_ERASED)
    erasure_id = report.erasure_id
    try:
        # As the CLI: the target is the erasure, the details are counts; nothing names the customer.
        await services.audit(admin.username, "customer.erase", f"erasure:{erasure_id}", report.details())
    except StoreUnavailable:
        logger.exception("privacy console: erasure %s not recorded in the audit log", erasure_id)
        return _unavailable(request, NOT_RECORDED.format(erasure_id=erasure_id))
    logger.info("privacy console: %s erased a customer's data (erasure %s)", admin.username, erasure_id)
    return services.pages.console(request, ERASED_PAGE, customer_id=customer_id, report=report)


def privacy_routes() -> list[BaseRoute]:
    """Routes of the admin's privacy page."""
    return [
        Route(PATH, customer_page, methods=["GET"], name="privacy_customer"),
        Route(f"{PATH}/export", export, methods=["POST"], name="privacy_export"),
        Route(f"{PATH}/erase", erase, methods=["POST"], name="privacy_erase"),
    ]

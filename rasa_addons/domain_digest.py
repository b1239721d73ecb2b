"""Action calls carry the domain's digest; the domain itself only when the action server asks.

Stock Rasa 3.6 puts the whole domain (15 KB here) in every action call, and the action
server parses it every time; on a simple turn the action call's JSON is a tenth of what the
Rasa worker spends on the call. rasa-sdk 3.x keeps the last domain it received with its
digest, and answers 449 ("ActionMissingDomainException") to a call whose digest it does
not hold and that has no domain. This is Rasa Pro's protocol, which Rasa Open Source 3.6
does not speak: each call now sends ``domain_digest`` and no domain, and a 449 is answered
by sending the same call again with the domain. An action-server process therefore asks
once after it starts, and once after a new model with another domain is loaded.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

logger = logging.getLogger(__name__)

DOMAIN_DIGEST = "domain_digest"
MISSING_DOMAIN_STATUS = 449

# The domains this process has sent, by digest: a 449 is answered with the one its call named.
# One entry per loaded model; a process rarely loads more than a few.
_domains: dict[str, dict[str, Any]] = {}


def digest_of(domain: Domain) -> str:
    """SHA-256 of the domain's JSON, computed once per loaded domain."""
    digest = getattr(domain, "_rasa_addons_digest", None)
    if digest is None:
        data = domain.as_dict()
        digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
        domain._rasa_addons_digest = digest
        _domains[digest] = data
    return digest


def action_call_format(self: RemoteAction, tracker: Any, domain: Domain) -> dict[str, Any]:
    """Drop-in for ``RemoteAction._action_call_format``: the digest in place of the domain."""
    call = _stock_format(self, tracker, domain)
    call.pop("domain", None)
    call[DOMAIN_DIGEST] = digest_of(domain)
    return call


async def request_with_domain_if_asked(endpoint: EndpointConfig, *args: Any, **kwargs: Any) -> Any:
    """Drop-in for ``EndpointConfig.request``: a call answered 449 is sent again with its domain."""
    try:
        return await _inner_request(endpoint, *args, **kwargs)
    except ClientResponseError as error:
        body = kwargs.get("json")
        if error.status != MISSING_DOMAIN_STATUS or not isinstance(body, dict) or "domain" in body:
            raise
        domain = _domains.get(str(body.get(DOMAIN_DIGEST)))
        if domain is None:
            raise
    logger.info("action server at %s asked for the domain; sending it with the call", endpoint.url)
    return await _inner_request(endpoint, *args, **{**kwargs, "json": {**body, "domain": domain}})


_stock_format = RemoteAction._action_call_format
_inner_request = EndpointConfig.request


def install() -> None:
    """Send action calls with the domain's digest (after ``action_connections.install``)."""
    global _inner_request
    _inner_request = EndpointConfig.request
    RemoteAction._action_call_format = action_call_format
    EndpointConfig.request = request_with_domain_if_asked

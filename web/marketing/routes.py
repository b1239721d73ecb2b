"""Routes of the marketer console; the app mounts them (``marketing_routes()``).

Every endpoint requires the ``marketer`` role (``admin`` passes every role check):
pages redirect to the sign-in page, the JSON API under ``/api/marketing`` answers 401/403.
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from web.accounts.guards import requires_role
from web.marketing import drafts_api, gaps, pages, rules_api, stats_api, topics
from web.marketing.responses import Endpoint, json_errors

API = "/api/marketing"


def _guarded(endpoint: Endpoint) -> Endpoint:
    # The role check runs first, so nobody learns anything (not even a 404) without it.
    return requires_role("marketer")(json_errors(endpoint))


def marketing_routes() -> list[BaseRoute]:
    """Return the pages and JSON endpoints of the marketer console."""
    table: list[tuple[str, Endpoint, list[str], str]] = [
        ("/marketing", pages.rules, ["GET"], "marketing_rules_page"),
        ("/marketing/dashboard", pages.dashboard, ["GET"], "marketing_dashboard_page"),
        ("/marketing/topics", topics.topics, ["GET"], "marketing_topics_page"),
        ("/marketing/topics/{topic_id}", topics.topic, ["GET"], "marketing_topic_page"),
        ("/marketing/topics/{topic_id}/rename", topics.rename, ["POST"], "marketing_topic_rename"),
        ("/marketing/topics/{topic_id}/merge", topics.merge, ["POST"], "marketing_topic_merge"),
        ("/marketing/topics/{topic_id}/unmerge", topics.unmerge, ["POST"], "marketing_topic_unmerge"),
        ("/marketing/gaps", gaps.gaps, ["GET"], "marketing_gaps_page"),
        (f"{API}/rules", rules_api.list_rules, ["GET"], "marketing_list_rules"),
        (f"{API}/rules", rules_api.create_rule, ["POST"], "marketing_create_rule"),
        (f"{API}/rules/validate", rules_api.validate_rule, ["POST"], "marketing_validate_rule"),
        (f"{API}/rules/{{rule_id}}", rules_api.get_rule, ["GET"], "marketing_get_rule"),
        (f"{API}/rules/{{rule_id}}", rules_api.update_rule, ["PUT"], "marketing_update_rule"),
        (f"{API}/rules/{{rule_id}}/enable", rules_api.enable_rule, ["POST"], "marketing_enable_rule"),
        (f"{API}/rules/{{rule_id}}/disable", rules_api.disable_rule, ["POST"], "marketing_disable_rule"),
        (f"{API}/versions", rules_api.list_versions, ["GET"], "marketing_versions"),
        (f"{API}/versions/{{version:int}}/rollback", rules_api.rollback, ["POST"], "marketing_rollback"),
        (f"{API}/preview", rules_api.preview_draft, ["POST"], "marketing_preview"),
        (f"{API}/rules/{{rule_id}}/drafts", drafts_api.draft_copy, ["POST"], "marketing_draft_copy"),
        (f"{API}/rules/{{rule_id}}/drafts/check", drafts_api.check_copy, ["POST"], "marketing_check_copy"),
        (
            f"{API}/rules/{{rule_id}}/drafts/approve",
            drafts_api.approve_copy,
            ["POST"],
            "marketing_approve_copy",
        ),
        (f"{API}/stats/offers", stats_api.offers, ["GET"], "marketing_stats_offers"),
        (f"{API}/stats/results", stats_api.results, ["GET"], "marketing_stats_results"),
        (f"{API}/stats/segments", stats_api.segments, ["GET"], "marketing_stats_segments"),
        (f"{API}/stats/handoffs", stats_api.handoffs, ["GET"], "marketing_stats_handoffs"),
        (f"{API}/stats/csat", stats_api.csat, ["GET"], "marketing_stats_csat"),
    ]
    return [
        Route(path, _guarded(endpoint), methods=methods, name=name) for path, endpoint, methods, name in table
    ]

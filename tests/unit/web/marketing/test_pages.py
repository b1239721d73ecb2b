from __future__ import annotations

import httpx
import pytest

from tests.unit.web.marketing.tiny_app import CSRF, SignedIn
from web.accounts.models import User

RULES_HOOKS = (
    "rule-list",
    "rule-editor",
    "rule-save",
    "rule-error",
    "preview-result",
    "version-list",
    "confirm-dialog",
)
CHART_HOOKS = ("chart-exposures", "chart-segments", "chart-handoffs", "chart-csat")


async def test_the_rules_page_renders_with_its_hooks(client: httpx.AsyncClient) -> None:
    page = await client.get("/marketing")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store" and page.headers["x-frame-options"] == "DENY"
    html = page.text
    for hook in RULES_HOOKS:
        assert f'data-testid="{hook}"' in html, hook
    assert f'<meta name="csrf-token" content="{CSRF}">' in html
    assert '<script src="/build/marketing.js" defer></script>' in html
    assert 'href="/static/marketing.css"' in html
    assert "Mia Marketer (marketer)" in html
    # Every editor input names its place in the rule, as the server's problems do.
    for path in (
        "id",
        "conditions.segments",
        "conditions.cart_value_min",
        "conditions.end",
        "caps.budget.max",
        "control_share",
    ):
        assert f'data-path="{path}"' in html, path
    assert 'value="anger"' in html  # the emotion checkboxes


async def test_the_dashboard_renders_a_chart_and_a_table_per_figure(client: httpx.AsyncClient) -> None:
    page = await client.get("/marketing/dashboard")
    assert page.status_code == 200
    for hook in CHART_HOOKS:
        assert f'data-testid="{hook}"' in page.text, hook
    assert page.text.count('role="img"') == 6  # every canvas has an accessible label
    assert page.text.count("<table") == 6  # the fallback of each chart's data


@pytest.mark.parametrize("path", ["/api/marketing/rules", "/api/marketing/stats/csat"])
async def test_the_api_needs_a_signed_in_marketer(
    client: httpx.AsyncClient, signed_in: SignedIn, path: str
) -> None:
    signed_in.user = None
    anonymous = await client.get(path)
    assert anonymous.status_code == 401 and anonymous.json() == {"error": "sign in required"}
    signed_in.user = User(username="sam", display_name="Sam", role="agent")
    assert (await client.get(path)).status_code == 403
    signed_in.user = User(username="ada", display_name="Ada", role="admin")
    assert (await client.get(path)).status_code == 200


async def test_pages_send_visitors_to_sign_in_and_writes_need_the_role(
    client: httpx.AsyncClient, signed_in: SignedIn
) -> None:
    signed_in.user = None
    page = await client.get("/marketing/dashboard")
    assert page.status_code == 303 and page.headers["location"] == "/login?next=%2Fmarketing%2Fdashboard"
    signed_in.user = User(username="sam", display_name="Sam", role="agent")
    refused = await client.post("/api/marketing/rules", json={"rule": {"id": "x"}})
    assert refused.status_code == 403

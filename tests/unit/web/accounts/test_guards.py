from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from tests.unit.web.accounts.tiny_app import add_user, sign_in
from web.accounts.guards import requires_role


def test_anonymous_api_gets_401_json(client: TestClient) -> None:
    response = client.get("/api/offers")
    assert response.status_code == 401 and response.json() == {"error": "sign in required"}


def test_anonymous_page_is_sent_to_sign_in_with_next(client: TestClient) -> None:
    response = client.get("/marketing?tab=rules")
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fmarketing%3Ftab%3Drules"


def test_agent_on_a_marketer_route_gets_403(client: TestClient) -> None:
    add_user("sam", "agent")
    sign_in(client, "sam")
    page = client.get("/marketing")
    assert page.status_code == 403 and "text/html" in page.headers["content-type"]
    assert "Your role (agent) cannot use this page; it needs marketer." in page.text
    assert "Sign out" in page.text  # the console layout, with the user's sign-out form
    api = client.get("/api/offers")
    assert api.status_code == 403 and api.json()["error"].startswith("Your role (agent)")


def test_marketer_passes_and_admin_passes_every_role(client: TestClient) -> None:
    add_user("mia", "marketer")
    add_user("root", "admin")
    sign_in(client, "mia")
    assert client.get("/marketing").text == "offers for mia"
    assert (
        client.post(
            "/agent/notes", headers={"X-CSRF-Token": client.get("/api/me").json()["csrf_token"]}
        ).status_code
        == 403
    )
    sign_in(client, "root")
    token = client.get("/api/me").json()["csrf_token"]
    assert client.get("/marketing").text == "offers for root"
    assert client.post("/agent/notes", data={"note": "x", "csrf_token": token}).status_code == 200


def test_unknown_roles_are_refused_when_decorating() -> None:
    with pytest.raises(ValueError, match="unknown role"):
        requires_role("boss")  # type: ignore[arg-type]

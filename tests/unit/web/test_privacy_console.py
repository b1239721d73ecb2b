"""The admin's privacy page in the real app: only admins, the CLI's export, a confirmed erasure, both audited.

Runs on the database named by ``--redis-url`` (``TEST_REDIS_URL``), flushed before and after.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import httpx
import pytest
from pydantic import SecretStr
from redis import Redis as SyncRedis
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.testclient import TestClient

from actions.keys import Keys
from actions.privacy.inventory import CustomerData, export_document, find_customer_data
from jobs.privacy import main as privacy_cli
from tests.unit.privacy.conftest import BYSTANDER, SUBJECT, give_data
from tests.unit.web.marketing import tiny_app as signed_in_app
from web.accounts.models import User
from web.accounts.settings import AccountSettings
from web.accounts.users import UserStore
from web.app import BUNDLES, create_app
from web.privacy import privacy_routes
from web.privacy.forms import FieldInvalid, check_customer_id, export_filename
from web.settings import WebSettings

KEYS = Keys("test")
PASSWORD = "correct horse battery"
SECRET = SecretStr("test-secret-key-0123456789-abcdefghijklmnop")
ADMIN, AGENT, MARKETER = "ada.admin", "sam.lee", "mia.ross"
ENV_VARS = ("CS_ENV", "CS_KEY_PREFIX", "REDIS_URL", "WEB_SECRET_KEY", "WEB_COOKIE_SECURE", "DEMO_STORE")
T = TypeVar("T")


@pytest.fixture
def redis_url(request: pytest.FixtureRequest) -> str:
    # The database named on the command line (TEST_REDIS_URL), not the web package's fixed one.
    return str(request.config.getoption("--redis-url"))


def _run(redis_url: str, step: Callable[[Redis], Awaitable[T]]) -> T:
    """Run ``step`` with a client of its own, in an event loop of its own (the app has its own)."""

    async def run() -> T:
        redis = Redis.from_url(redis_url)
        try:
            return await step(redis)
        finally:
            await redis.aclose()

    return asyncio.run(run())


async def _seed(redis: Redis) -> None:
    users = UserStore(redis, KEYS)
    for username, role in ((ADMIN, "admin"), (AGENT, "agent"), (MARKETER, "marketer")):
        await users.create(username, username.replace(".", " ").title(), role, PASSWORD)
    await give_data(redis, KEYS, SUBJECT)
    await give_data(redis, KEYS, BYSTANDER)


def _audit(sync_redis: SyncRedis) -> list[dict[str, str]]:
    entries = cast(list[tuple[bytes, dict[bytes, bytes]]], sync_redis.xrange(KEYS.audit))
    return [{k.decode(): v.decode() for k, v in fields.items()} for _, fields in entries]


def _recorded(sync_redis: SyncRedis) -> list[dict[str, str]]:
    """The audit entries of exports and erasures (the seeded data has entries of its own)."""
    return [e for e in _audit(sync_redis) if e["action"] in ("customer.export", "customer.erase")]


@dataclass
class Console:
    client: TestClient
    redis_url: str
    csrf: str = ""

    def held(self, customer_id: str = SUBJECT.customer_id) -> CustomerData:
        """What is held about the customer now, read as the CLI reads it."""
        return _run(self.redis_url, lambda redis: find_customer_data(redis, KEYS, customer_id))

    def sign_in(self, username: str, page: str = "/admin/privacy") -> None:
        """Sign in through the form and keep the CSRF token ``page`` carries."""
        self.client.cookies.clear()
        form_page = self.client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form_page.text)
        assert token, "the sign-in page has no form token"
        form = {"username": username, "password": PASSWORD, "csrf_token": token.group(1)}
        assert self.client.post("/login", data=form).status_code == 303
        meta = re.search(r'<meta name="csrf-token" content="([^"]+)">', self.client.get(page).text)
        assert meta, f"{page} has no CSRF token"
        self.csrf = meta.group(1)

    def post(self, action: str, with_csrf: bool = True, **fields: str) -> httpx.Response:
        data = {**fields, **({"csrf_token": self.csrf} if with_csrf else {})}
        return self.client.post(f"/admin/privacy/{action}", data=data)


@pytest.fixture
def console(
    sync_redis: SyncRedis, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Console]:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    for name in BUNDLES:
        (tmp_path / name).write_text(f"/* {name} */\n")
    _run(redis_url, _seed)
    settings = WebSettings(
        web_build_dir=tmp_path,
        redis_url=redis_url,
        cs_key_prefix=KEYS.prefix,
        accounts=AccountSettings(web_secret_key=SECRET),
    )
    with TestClient(create_app(settings), follow_redirects=False) as client:
        yield Console(client, redis_url)


def test_signed_out_visitors_are_sent_to_sign_in(console: Console, sync_redis: SyncRedis) -> None:
    page = console.client.get("/admin/privacy?customer_id=C10002")
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Fadmin%2Fprivacy%3Fcustomer_id%3DC10002"
    for action in ("export", "erase"):
        answer = console.post(
            action, customer_id=SUBJECT.customer_id, confirm_customer_id=SUBJECT.customer_id
        )
        assert answer.status_code == 303 and answer.headers["location"].startswith("/login?next=")
    assert console.held().found_anything


@pytest.mark.parametrize(("username", "home"), [(AGENT, "/agent"), (MARKETER, "/marketing")])
def test_agents_and_marketers_are_refused(
    console: Console, sync_redis: SyncRedis, username: str, home: str
) -> None:
    console.sign_in(username, home)
    assert 'href="/admin/privacy"' not in console.client.get(home).text
    assert console.client.get("/admin/privacy").status_code == 403
    assert console.client.get("/admin/privacy?customer_id=C10002").status_code == 403
    subject = SUBJECT.customer_id
    assert console.post("export", customer_id=subject).status_code == 403
    assert console.post("erase", customer_id=subject, confirm_customer_id=subject).status_code == 403
    assert console.held().found_anything
    assert not _recorded(sync_redis)


def test_the_look_up_shows_what_is_held_and_changes_nothing(console: Console, sync_redis: SyncRedis) -> None:
    console.sign_in(ADMIN)
    assert 'href="/admin/privacy"' in console.client.get("/agent").text  # linked for admins
    before = _audit(sync_redis)
    page = console.client.get("/admin/privacy?customer_id=C10002")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    held = console.held().summary()
    for kind, count in held.items():
        assert f'data-testid="count-{kind}">{count}<' in page.text
    assert "<code>conv-a</code>" in page.text and "<code>conv-b</code>" in page.text
    assert "<code>conv-z</code>" not in page.text  # the bystander's
    assert "<script" not in page.text  # nothing for the CSP to block: a plain form page
    assert _audit(sync_redis) == before

    unknown = console.client.get("/admin/privacy?customer_id=C99999")
    assert unknown.status_code == 200 and 'data-testid="nothing-held"' in unknown.text
    assert 'data-testid="erase-form"' not in unknown.text


def test_the_export_is_the_cli_document_and_is_audited(console: Console, sync_redis: SyncRedis) -> None:
    expected = export_document(console.held())
    console.sign_in(ADMIN)
    answer = console.post("export", customer_id=SUBJECT.customer_id)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["content-disposition"] == 'attachment; filename="customer-C10002-export.json"'
    assert answer.headers["content-type"].startswith("application/json")
    exported = answer.json()
    assert exported.pop("exported_at") and expected.pop("exported_at")
    assert exported == expected
    *_, entry = _audit(sync_redis)
    assert (entry["actor"], entry["action"], entry["target"]) == (ADMIN, "customer.export", "C10002")
    assert json.loads(entry["details"]) == {"summary": expected["summary"]}


def test_an_erasure_without_the_csrf_token_erases_nothing(console: Console, sync_redis: SyncRedis) -> None:
    before = console.held().summary()
    console.sign_in(ADMIN)
    subject = SUBJECT.customer_id
    refused = console.post("erase", with_csrf=False, customer_id=subject, confirm_customer_id=subject)
    assert refused.status_code == 403 and "CSRF" in refused.text
    wrong = console.client.post(
        "/admin/privacy/erase",
        data={"customer_id": subject, "confirm_customer_id": subject, "csrf_token": "forged"},
    )
    assert wrong.status_code == 403
    assert console.post("export", with_csrf=False, customer_id=subject).status_code == 403
    assert console.held().summary() == before
    assert not _recorded(sync_redis)


def test_an_erasure_without_the_id_typed_again_erases_nothing(
    console: Console, sync_redis: SyncRedis
) -> None:
    before = console.held().summary()
    console.sign_in(ADMIN)
    for confirmation in (None, "", "C1000", "c10002", "C10002 ", SUBJECT.email):
        fields = {"customer_id": SUBJECT.customer_id}
        if confirmation is not None:
            fields["confirm_customer_id"] = confirmation
        refused = console.post("erase", **fields)
        assert refused.status_code == 400, confirmation
        assert "confirm_customer_id: type the customer id again" in refused.text
        assert 'id="confirm-customer-id"' in refused.text and 'aria-invalid="true"' in refused.text
        assert "<code>conv-a</code>" in refused.text  # what would go is shown again
    assert console.held().summary() == before
    assert not _recorded(sync_redis)


def test_a_confirmed_erasure_erases_everything_and_is_audited_without_personal_data(
    console: Console, sync_redis: SyncRedis
) -> None:
    found = console.held().summary()
    bystander = console.held(BYSTANDER.customer_id).summary()
    console.sign_in(ADMIN)
    subject = SUBJECT.customer_id
    page = console.post("erase", customer_id=subject, confirm_customer_id=subject)
    assert page.status_code == 200
    for kind, count in found.items():
        assert f'data-testid="found-{kind}">{count}<' in page.text
    assert 'data-testid="deleted-events">4<' in page.text

    assert not console.held().found_anything
    assert console.held(BYSTANDER.customer_id).summary() == bystander
    (entry,) = _recorded(sync_redis)
    erasure_id = re.search(r'data-testid="erasure-id">([0-9a-f]+)<', page.text)
    assert erasure_id and entry["target"] == f"erasure:{erasure_id.group(1)}"
    assert (entry["actor"], entry["action"]) == (ADMIN, "customer.erase")
    details = json.loads(entry["details"])
    assert details["found"] == found and details["erasure_id"] == erasure_id.group(1)
    assert set(details) == {
        "erasure_id",
        "found",
        "keys_deleted",
        "stream_entries_deleted",
        "set_members_removed",
        "topic_examples_removed",
    }
    for personal in SUBJECT.identifiers:
        assert personal.lower() not in json.dumps(entry).lower()


def test_a_bad_customer_id_is_a_400_naming_the_field(console: Console, sync_redis: SyncRedis) -> None:
    console.sign_in(ADMIN)
    before = _audit(sync_redis)
    for bad in ("", "C1 0002", " C10002", "C1\t2", "C1\n2", "x" * 65, "C\u00a010002"):
        answers = [
            console.client.get("/admin/privacy", params={"customer_id": bad}),
            console.post("export", customer_id=bad),
            console.post("erase", customer_id=bad, confirm_customer_id=bad),
        ]
        for answer in answers:
            assert answer.status_code == 400, (bad, answer.request.url)
            assert "customer_id: must be 1-64 visible characters, without spaces" in answer.text
            assert 'aria-invalid="true" aria-describedby="privacy-error"' in answer.text
            assert "attachment" not in answer.headers.get("content-disposition", "")
    assert _audit(sync_redis) == before
    assert console.held().found_anything


@pytest.mark.parametrize(
    "value", ["C10002", "x" * 64, "ü-42", "a/b\"c'<d>", "", "a b", "x" * 65, "tab\there", "nb\u00a0sp"]
)
def test_the_customer_id_rule_is_the_clis(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        check_customer_id(value)
        console_accepts = True
    except FieldInvalid as error:
        assert error.field == "customer_id"
        console_accepts = False
    # With a Redis that cannot be reached, a valid id gets as far as connecting (exit 3);
    # a bad one is a usage error (exit 2).
    try:
        status = privacy_cli(["--redis-url", "redis://127.0.0.1:1/0", "erase", value])
    except SystemExit as stop:
        status = cast(int, stop.code)
    capsys.readouterr()
    assert (status != 2) == console_accepts


def test_the_download_name_is_safe_in_a_header() -> None:
    assert export_filename("C10002") == "customer-C10002-export.json"
    assert export_filename('a/"b\u00fc;') == "customer-a__b__-export.json"


@pytest.fixture
async def unreachable_console() -> Any:
    # The page itself, behind a stand-in sign-in, with a Redis that refuses every connection.
    redis = Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    admin = User(username=ADMIN, display_name="Ada Admin", role="admin")
    app = Starlette(routes=privacy_routes())
    app.state.services = signed_in_app.TestServices(redis, KEYS)
    app.add_middleware(signed_in_app.FakeSignIn, signed_in=signed_in_app.SignedIn(admin))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://console.test"
    ) as http:
        yield http
    await redis.aclose()


async def test_an_unreachable_redis_gets_a_clear_page_and_nothing_is_done(
    unreachable_console: httpx.AsyncClient,
) -> None:
    subject = {"customer_id": SUBJECT.customer_id, "confirm_customer_id": SUBJECT.customer_id}
    answers = [
        await unreachable_console.get("/admin/privacy", params={"customer_id": SUBJECT.customer_id}),
        await unreachable_console.post("/admin/privacy/export", data=subject),
        await unreachable_console.post("/admin/privacy/erase", data=subject),
    ]
    for answer in answers:
        assert answer.status_code == 503
        assert "Customer data unavailable" in answer.text
        assert "nothing was read, exported or erased" in answer.text
        assert "attachment" not in answer.headers.get("content-disposition", "")

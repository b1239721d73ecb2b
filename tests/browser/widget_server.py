"""The widget's test harness: a scripted stand-in for Rasa's socket.io channel, pages, helpers.

The widget is tested as one module: ``WidgetServer`` speaks the protocol of Rasa's
socket.io channel (``session_request`` -> ``session_confirm``, ``user_uttered``
-> ``bot_uttered`` to the session's room, ``metadata_key: customData``) and
answers with bot messages each test scripts; it also serves the built
``widget.js`` and test pages. The real Rasa server is covered by the
integration and scenario tests.

The page is served from ``http://localhost:PORT`` and the widget talks to
``http://127.0.0.1:PORT``: two origins, as on a store whose Rasa is elsewhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import json
import socket
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import socketio
import uvicorn
from playwright.sync_api import Browser, Page, expect
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Route

from web.pages import template_environment

REPO = Path(__file__).resolve().parents[2]
WEB_DIR = REPO / "web"
BUNDLE = WEB_DIR / "build" / "widget.js"

TOKEN = "v1.C0042.signature"
# The issue's example tag, pointed at the test server.
ISSUE_ATTRIBUTES = {
    "data-token": TOKEN,
    "data-title": "Brightcart help",
    "data-color": "#0b5fff",
    "data-cart-value": "42.50",
}
SESSION_KEY = "brightcart.widget.session"
# A picture for image attachments.
PICTURE_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60">'
    '<rect width="120" height="60" fill="#0b5fff"/></svg>'
)
# How long start/stop and waits for the browser may take before a test fails.
START_TIMEOUT_S = 10.0
WAIT_TIMEOUT_S = 10.0

BotMessage = dict[str, Any]
# A scripted reply: a bot message, or a pause (seconds) before the next one.
Step = BotMessage | float


# ---- bot messages in the shapes of docs/recommendations.md and the CSAT response ----

CAROUSEL = {
    "type": "carousel",
    "items": [
        {
            "product_id": f"P000{n}",
            "title": title,
            "subtitle": "Popular with customers like you",
            "category": "Shoes",
            "price": price,
            "price_text": f"${price:.2f}",
            "reason": "segment_popular",
            "url": f"https://store.example/products/P000{n}",
            "buttons": [{"title": "Tell me more", "payload": f'/ask_product{{"product_id": "P000{n}"}}'}],
        }
        for n, (title, price) in enumerate(
            [
                ("Stridewell Trail Running Shoe", 119.0),
                ("Terrapin Hiking Boot", 149.5),
                ("Coastline Leather Sneaker", 89.0),
            ],
            start=1,
        )
    ],
}
CSAT = {
    "text": "How would you rate this conversation, from 1 (poor) to 5 (excellent)?",
    "quick_replies": [{"title": str(n), "payload": f'/rate{{"rating":"{n}"}}'} for n in range(1, 6)],
}


# Markup and script in every place a message can carry text; none of it may run.
EVIL_USER = '<img src=x onerror="window.__pwned=1;alert(1)"><script>window.__pwned=2</script>'
EVIL_MARKDOWN = (
    "**Bold** and _soft_, see [help](https://example.com/help) or [trap](javascript:window.__pwned=3)\n\n"
    '<script>window.__pwned=4;alert(4)</script> <img src=x onerror="window.__pwned=5;alert(5)">\n\n'
    '<a href="javascript:window.__pwned=6">raw link</a> <svg onload="window.__pwned=7"></svg> '
    "![pic](javascript:window.__pwned=8)"
)
EVIL_REPLY = [
    {
        "text": EVIL_MARKDOWN,
        "quick_replies": [{"title": "<img src=x onerror=window.__pwned=9>", "payload": "/x"}],
    },
    {
        "type": "carousel",
        "items": [
            {
                "title": "<img src=x onerror=window.__pwned=10>",
                "subtitle": "<b>bold?</b>",
                "price_text": "$1.00",
                "url": "javascript:window.__pwned=11",
                "buttons": [{"title": "<i>more</i>", "payload": "/more"}],
            }
        ],
    },
    {
        "text": "Sam <img src=x onerror=window.__pwned=12> joined",
        "handoff": "joined",
        "agent": {"name": "Sam"},
    },
    {
        "text": "[hi](javascript:window.__pwned=13)",
        "agent": {"name": "<img src=x onerror=window.__pwned=14>"},
    },
    {"attachment": {"type": "image", "payload": {"src": "javascript:window.__pwned=15"}}},
]


@dataclass(frozen=True)
class Received:
    """One event the widget sent."""

    event: str
    data: Any


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def store_page(server_url: str | None, attributes: dict[str, str] | None = None, head: str = "") -> str:
    """A small store page with broad CSS of its own, a link, and the widget's one script tag."""
    attrs = ({"data-server": server_url} if server_url else {}) | (attributes or {})
    rendered = " ".join(f'{name}="{html.escape(value)}"' for name, value in attrs.items())
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Test store</title>
<style>
  /* Broad store CSS that must not reach the widget. */
  button {{ background: rgb(255, 0, 0) !important; }}
  * {{ font-family: serif; letter-spacing: 3px; }}
  div {{ transform: scale(1); }}
</style>
{head}
</head><body>
<a href="#top" id="store-link">Store home</a>
<h1>Test store</h1>
<script src="/widget.js" {rendered} async></script>
</body></html>"""


def demo_page(**context: object) -> str:
    """web/templates/store_demo.html rendered by the web app's own template environment."""
    return template_environment().get_template("store_demo.html").render(**context)


class WidgetServer:
    """Rasa's socket.io protocol with scripted replies, the widget bundle and test pages, in a thread."""

    DEFAULT_REPLY: list[Step] = [{"text": "Got it."}]

    def __init__(self, bundle: Path, port: int | None = None) -> None:
        self.bundle = bundle
        self.port = port or free_port()
        self.received: list[Received] = []
        # user message -> the bot's reply; anything unscripted gets DEFAULT_REPLY.
        self.script: dict[str, list[Step]] = {}
        self.pages: dict[str, str] = {}
        self._lock = threading.Lock()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sio: socketio.AsyncServer | None = None

    @property
    def socket_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def is_running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def page_url(self, name: str = "store") -> str:
        return f"http://localhost:{self.port}/pages/{name}"

    # ---- lifecycle -------------------------------------------------------

    def start(self) -> None:
        ready = threading.Event()
        sio = self._build_socketio()
        app = socketio.ASGIApp(sio, other_asgi_app=self._build_http(ready))
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            ws="wsproto",
            lifespan="on",
            timeout_graceful_shutdown=1,
        )
        self._sio = sio
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name="widget-server", daemon=True)
        self._thread.start()
        if not ready.wait(START_TIMEOUT_S):
            raise RuntimeError("widget test server did not start")
        self._wait_until(lambda: self._server is not None and self._server.started, "server listening")

    def stop(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(START_TIMEOUT_S)
        if self._thread.is_alive():
            raise RuntimeError("widget test server did not stop")
        self._server = self._thread = self._loop = self._sio = None

    def reset(self) -> None:
        with self._lock:
            self.received.clear()
        self.script.clear()
        self.pages.clear()

    # ---- what tests use ----------------------------------------------------

    def push(self, session_id: str, message: BotMessage) -> None:
        """Send a bot message to a conversation now (as an agent's message reaches Rasa's channel)."""
        if self._loop is None or self._sio is None:
            raise RuntimeError("server not running")
        emit = self._sio.emit("bot_uttered", message, room=session_id)
        asyncio.run_coroutine_threadsafe(emit, self._loop).result(WAIT_TIMEOUT_S)

    def events(self, name: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.event == name]

    def wait_for_event(self, name: str, where: Callable[[Any], bool] = lambda _d: True) -> Received:
        """The first ``name`` event whose data matches, waiting for it if need be."""
        found: list[Received] = []

        def match() -> bool:
            found[:] = [r for r in self.events(name) if where(r.data)]
            return bool(found)

        self._wait_until(match, f"{name} event")
        return found[0]

    def wait_for_message(self, text: str) -> Received:
        return self.wait_for_event("user_uttered", lambda d: isinstance(d, dict) and d.get("message") == text)

    @staticmethod
    def _wait_until(condition: Callable[[], bool], what: str) -> None:
        deadline = time.monotonic() + WAIT_TIMEOUT_S
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}")
            time.sleep(0.05)

    # ---- the servers -----------------------------------------------------

    def _record(self, event: str, data: Any) -> None:
        with self._lock:
            self.received.append(Received(event, data))

    def _build_socketio(self) -> socketio.AsyncServer:
        sio = socketio.AsyncServer(async_mode="asgi", cors_allowed_origins="*")

        @sio.on("session_request")
        async def session_request(sid: str, data: Any) -> None:
            self._record("session_request", data)
            session_id = data["session_id"]
            # As Rasa with session_persistence: the socket joins the conversation's room.
            await sio.enter_room(sid, session_id)
            await sio.emit("session_confirm", session_id, room=sid)

        @sio.on("user_uttered")
        async def user_uttered(sid: str, data: Any) -> None:
            self._record("user_uttered", data)
            for step in self.script.get(data.get("message"), self.DEFAULT_REPLY):
                if isinstance(step, float | int):
                    await asyncio.sleep(step)
                else:
                    await sio.emit("bot_uttered", step, room=data["session_id"])

        return sio

    def _build_http(self, ready: threading.Event) -> Starlette:
        async def widget_js(request: Request) -> Response:
            return FileResponse(
                self.bundle, media_type="text/javascript", headers={"Cache-Control": "no-store"}
            )

        async def page(request: Request) -> Response:
            name = request.path_params["name"]
            body = self.pages.get(name) or store_page(self.socket_url)
            return HTMLResponse(body, headers={"Cache-Control": "no-store"})

        async def picture(request: Request) -> Response:
            return Response(PICTURE_SVG, media_type="image/svg+xml")

        async def favicon(request: Request) -> Response:
            return Response(status_code=204)

        @contextlib.asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[None]:
            self._loop = asyncio.get_running_loop()
            ready.set()
            yield

        return Starlette(
            routes=[
                Route("/widget.js", widget_js),
                Route("/pages/{name}", page),
                Route("/picture.svg", picture),
                Route("/favicon.ico", favicon),
            ],
            lifespan=lifespan,
        )


# ---- driving the page -----------------------------------------------------


@dataclass
class Tab:
    """A page plus what it did that a test must notice: dialogs and uncaught errors."""

    page: Page
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def open_chat(page: Page, url: str) -> None:
    page.goto(url)
    page.get_by_test_id("widget-launcher").click()
    expect(page.get_by_test_id("widget-status")).to_have_text("Connected")


def say(page: Page, text: str) -> None:
    page.get_by_test_id("widget-input").fill(text)
    page.get_by_test_id("widget-input").press("Enter")


def session_id(page: Page) -> str:
    return str(json.loads(page.evaluate(f"localStorage.getItem({SESSION_KEY!r})"))["id"])


def focused_testid(page: Page) -> str | None:
    """data-testid of the focused element inside the widget's shadow root (None if focus is elsewhere)."""
    return page.evaluate(
        """() => {
          const host = document.getElementById("brightcart-widget");
          if (document.activeElement !== host) return null;
          const el = host.shadowRoot.activeElement;
          return el ? (el.dataset.testid || el.tagName) : null;
        }"""
    )


# Everything in the message log that could run code or load something.
INJECTED = """() => {
  const root = document.getElementById("brightcart-widget").shadowRoot;
  const log = root.querySelector("[data-testid=widget-log]");
  const all = Array.from(log.querySelectorAll("*"));
  const risky = "img, script, svg, iframe, object, embed, style";
  return {
    pwned: window.__pwned === undefined ? null : window.__pwned,
    risky: Array.from(log.querySelectorAll(risky)).map(e => e.tagName),
    handlers: all.filter(e => Array.from(e.attributes).some(a => a.name.startsWith("on")))
                 .map(e => e.tagName),
    links: Array.from(log.querySelectorAll("a")).map(a => [a.getAttribute("href"), a.target, a.rel]),
    lightDom: document.querySelectorAll("img, svg").length,
  };
}"""


def assert_inert(tab: Tab) -> None:
    """Nothing from a message ran, loaded or became a link other than the one safe https link."""
    tab.page.wait_for_timeout(500)  # time for any injected onerror/onload to have fired
    found = tab.page.evaluate(INJECTED)
    assert tab.dialogs == []
    assert found == {
        "pwned": None,
        "risky": [],
        "handlers": [],
        "links": [["https://example.com/help", "_blank", "noopener noreferrer"]],
        "lightDom": 0,
    }


# ---- what the test module's fixtures are made of ------------------------------


def built_bundle() -> Path:
    """The built widget.js, rebuilt when a source in web/widget/ is newer."""
    newest_source = max(p.stat().st_mtime for p in (WEB_DIR / "widget").iterdir())
    if not BUNDLE.exists() or BUNDLE.stat().st_mtime < newest_source:
        run = subprocess.run(
            ["npm", "run", "build"], cwd=WEB_DIR, capture_output=True, text=True, timeout=180
        )
        assert run.returncode == 0, run.stdout + run.stderr
    return BUNDLE


@contextlib.contextmanager
def serving(bundle: Path) -> Iterator[WidgetServer]:
    server = WidgetServer(bundle)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def prepared(server: WidgetServer) -> WidgetServer:
    """The server emptied for the next test, with the issue's example page as ``store``."""
    server.reset()
    if not server.is_running:  # a failed restart test must not take the others down
        server.start()
    server.pages["store"] = store_page(server.socket_url, ISSUE_ATTRIBUTES)
    return server


@contextlib.contextmanager
def open_tab(browser: Browser, width: int = 1280, height: int = 800) -> Iterator[Tab]:
    """A page in a fresh context (its own storage); fails if the page threw an uncaught error."""
    context = browser.new_context(viewport={"width": width, "height": height})
    tab = Tab(context.new_page())
    tab.page.on("dialog", lambda d: (tab.dialogs.append(d.message), d.dismiss()))
    tab.page.on("pageerror", lambda e: tab.errors.append(str(e)))
    try:
        yield tab
    finally:
        context.close()
    assert tab.errors == [], "uncaught errors in the page"

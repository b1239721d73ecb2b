"""The chat widget (web/widget/) in a real browser, against a scripted socket.io server.

Run: nice -n 10 .venv/bin/python -m pytest tests/browser/test_widget.py -q
A unit test of the widget module: the socket.io server is tests/browser/widget_server.py
(the harness, with the fixtures), not Rasa; the scenario tests drive the real stack. The
browser is conftest's (Debian's chromium); the bundle is rebuilt with `npm run build` when
a widget source is newer.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.widget_server import (
    CAROUSEL,
    CSAT,
    EVIL_REPLY,
    EVIL_USER,
    ISSUE_ATTRIBUTES,
    TOKEN,
    Tab,
    WidgetServer,
    assert_inert,
    built_bundle,
    demo_page,
    focused_testid,
    open_chat,
    open_tab,
    prepared,
    say,
    serving,
    session_id,
    store_page,
)

SCREENSHOT = Path(__file__).resolve().parents[2] / "artifacts" / "screens" / "widget.png"
# The element focused inside the widget.
FOCUSED = "document.getElementById('brightcart-widget').shadowRoot.activeElement"


@pytest.fixture(scope="module")
def running_server() -> Iterator[WidgetServer]:
    with serving(built_bundle()) as server:
        yield server


@pytest.fixture
def server(running_server: WidgetServer) -> WidgetServer:
    return prepared(running_server)


@pytest.fixture
def tab(browser: Browser) -> Iterator[Tab]:
    with open_tab(browser) as opened:
        yield opened


@pytest.fixture
def phone_tab(browser: Browser) -> Iterator[Tab]:
    with open_tab(browser, 360, 740) as opened:
        yield opened


def test_one_script_tag_loads_everything_and_sends_the_config(server: WidgetServer, tab: Tab) -> None:
    requests: list[str] = []
    sockets: list[str] = []
    tab.page.on("request", lambda r: requests.append(r.url) if r.resource_type != "document" else None)
    tab.page.on("websocket", lambda ws: sockets.append(ws.url))

    open_chat(tab.page, server.page_url())
    say(tab.page, "hello")
    server.wait_for_message("hello")
    expect(tab.page.get_by_test_id("msg-bot")).to_have_text("Assistant: Got it.")

    # One request for code and styles: the bundle. No CSS file, no second script, no polling.
    fetched = [u for u in requests if urlparse(u).path != "/favicon.ico"]
    assert fetched == [f"http://localhost:{server.port}/widget.js"]
    assert sockets and all("transport=websocket" in u for u in sockets)
    assert sockets[0].startswith(f"ws://127.0.0.1:{server.port}/socket.io/")

    # Shadow DOM (open) keeps the page's `button { background: red !important }`, fonts and transforms out.
    assert tab.page.evaluate("document.getElementById('brightcart-widget').shadowRoot.mode") == "open"
    launcher = tab.page.get_by_test_id("widget-launcher")
    expect(launcher).to_have_css("background-color", "rgb(11, 95, 255)")
    expect(tab.page.get_by_test_id("widget-log")).to_have_css("font-family", re.compile("^system-ui"))
    assert launcher.bounding_box() == {"x": 1280 - 20 - 56, "y": 800 - 20 - 56, "width": 56, "height": 56}
    expect(tab.page.get_by_role("heading", name="Brightcart help")).to_be_visible()

    # Rasa's protocol: the same session id in session_request and user_uttered, customData with every message.
    sid = session_id(tab.page)
    request = server.wait_for_event("session_request").data
    uttered = server.wait_for_message("hello").data
    expected = {"customer_token": TOKEN, "cart_value": 42.5, "page_url": server.page_url()}
    assert request == {"session_id": sid, "customData": expected}
    assert uttered == {"message": "hello", "session_id": sid, "customData": expected}


def test_global_config_object_works_and_attributes_win(server: WidgetServer, tab: Tab) -> None:
    settings = {
        "server": server.socket_url,
        "title": "Global title",
        "token": "tok-global",
        "cartValue": 10,
        "color": "#ffd400",
    }
    head = f"<script>window.BrightcartWidget = {json.dumps(settings)};</script>"
    server.pages["global"] = store_page(None, {"data-title": "Ask Brightcart"}, head=head)

    open_chat(tab.page, server.page_url("global"))
    say(tab.page, "hi")
    data = server.wait_for_message("hi").data
    assert data["customData"] == {
        "customer_token": "tok-global",
        "cart_value": 10,
        "page_url": server.page_url("global"),
    }
    expect(tab.page.get_by_role("heading", name="Ask Brightcart")).to_be_visible()
    # A light accent colour gets dark text.
    expect(tab.page.get_by_test_id("widget-launcher")).to_have_css("background-color", "rgb(255, 212, 0)")
    expect(tab.page.get_by_test_id("widget-launcher")).to_have_css("color", "rgb(17, 24, 39)")


def test_store_demo_page_includes_the_widget_with_one_escaped_script_tag(
    server: WidgetServer, tab: Tab
) -> None:
    widget_src = f"http://localhost:{server.port}/widget.js"
    where = {"widget_src": widget_src, "rasa_url": server.socket_url}
    token = 'v1."C7"<x>'  # quotes and brackets must stay inside the attribute
    server.pages["demo"] = demo_page(**where, customer_token=token, customer_name="Ann <b>", cart_value=42.5)
    open_chat(tab.page, server.page_url("demo"))
    assert tab.page.evaluate("Array.from(document.scripts, s => s.src)") == [widget_src]
    expect(tab.page.get_by_text("Signed in as Ann <b>")).to_be_visible()
    say(tab.page, "hi")
    sent = server.wait_for_message("hi").data["customData"]
    assert sent == {"customer_token": token, "cart_value": 42.5, "page_url": server.page_url("demo")}

    # A guest: no token and no cart value are sent at all.
    server.pages["guest"] = demo_page(**where, customer_token=None, customer_name=None, cart_value=None)
    tab.page.goto(server.page_url("guest"))
    expect(tab.page.get_by_test_id("widget-status")).to_have_text("Connected")  # it was open: it reopens
    say(tab.page, "hello as a guest")
    assert server.wait_for_message("hello as a guest").data["customData"] == {
        "page_url": server.page_url("guest")
    }


def test_markup_in_bot_and_user_messages_is_inert(server: WidgetServer, tab: Tab) -> None:
    server.script[EVIL_USER] = EVIL_REPLY
    open_chat(tab.page, server.page_url())
    say(tab.page, EVIL_USER)
    server.wait_for_message(EVIL_USER)
    expect(tab.page.get_by_test_id("msg-agent")).to_be_visible()

    page = tab.page
    # The customer's own words: plain text, exactly as typed.
    expect(page.get_by_test_id("msg-user").locator(".bc-msg__body")).to_have_text(EVIL_USER)
    # Markdown renders; raw HTML from the bot is shown as text; the unsafe link is only words.
    bot = page.get_by_test_id("msg-bot").first
    expect(bot.locator("strong")).to_have_text("Bold")
    expect(bot.locator("em")).to_have_text("soft")
    expect(bot).to_contain_text("<script>window.__pwned=4;alert(4)</script>")
    expect(bot).to_contain_text('<a href="javascript:window.__pwned=6">raw link</a>')
    expect(bot).to_contain_text("or trap")
    # Titles, names and notices are text too.
    expect(page.get_by_test_id("quick-reply")).to_have_text("<img src=x onerror=window.__pwned=9>")
    expect(page.get_by_test_id("carousel-card").locator(".bc-card__title")).to_have_text(
        "<img src=x onerror=window.__pwned=10>"
    )
    expect(page.get_by_test_id("carousel-button")).to_have_text("<i>more</i>")
    expect(page.get_by_test_id("notice")).to_have_text("Sam <img src=x onerror=window.__pwned=12> joined")
    expect(page.get_by_test_id("agent-name")).to_have_text("<img src=x onerror=window.__pwned=14>")
    assert_inert(tab)

    # The stored transcript goes through the same rendering after a reload.
    page.reload()
    expect(page.get_by_test_id("msg-agent")).to_be_visible()
    expect(page.get_by_test_id("msg-user").locator(".bc-msg__body")).to_have_text(EVIL_USER)
    assert_inert(tab)


def test_quick_replies_send_their_payload_and_show_the_title(server: WidgetServer, tab: Tab) -> None:
    server.script["help"] = [
        {
            "text": "What can I help with?",
            "quick_replies": [
                {"content_type": "text", "title": "Track my order", "payload": "/track_order"},
                {"content_type": "text", "title": "Returns", "payload": "/returns"},
            ],
        }
    ]
    open_chat(tab.page, server.page_url())
    say(tab.page, "help")
    replies = tab.page.get_by_test_id("quick-replies")
    expect(replies).to_have_attribute("aria-label", "Suggested replies")
    tab.page.get_by_role("button", name="Track my order").click()

    assert server.wait_for_message("/track_order").data["session_id"] == session_id(tab.page)
    expect(tab.page.get_by_test_id("msg-user").last).to_have_text("You: Track my order")
    # Answered: the suggestions are spent, and focus stays in the chat.
    for button in replies.get_by_role("button").all():
        expect(button).to_be_disabled()
    assert focused_testid(tab.page) == "widget-input"


def test_carousel_renders_and_its_buttons_send_the_payload(server: WidgetServer, tab: Tab) -> None:
    server.script["show me shoes"] = [{"text": "You might like these:"}, CAROUSEL]
    open_chat(tab.page, server.page_url())
    say(tab.page, "show me shoes")

    carousel = tab.page.get_by_test_id("carousel")
    expect(carousel).to_have_attribute("aria-label", "Recommended products")
    cards = carousel.get_by_test_id("carousel-card")
    expect(cards).to_have_count(3)
    first = cards.first
    expect(first.get_by_role("link", name="Stridewell Trail Running Shoe")).to_have_attribute(
        "href", "https://store.example/products/P0001"
    )
    expect(first.get_by_role("link")).to_have_attribute("rel", "noopener noreferrer")
    expect(first).to_contain_text("Popular with customers like you")
    expect(first.get_by_test_id("carousel-price")).to_have_text("$119.00")
    # The strip scrolls sideways inside the panel.
    assert carousel.evaluate("c => c.scrollWidth > c.clientWidth")

    # Keyboard: Tab from the strip through the cards to the third card's button, Enter presses it.
    carousel.focus()
    target = "Tell me more: Coastline Leather Sneaker"
    for _ in range(8):
        tab.page.keyboard.press("Tab")
        if tab.page.evaluate(f"{FOCUSED}.ariaLabel") == target:
            break
    else:
        pytest.fail("the third card's button is not reachable with Tab")
    assert carousel.evaluate("c => c.scrollLeft") > 0, "the focused card was not scrolled into view"
    tab.page.keyboard.press("Enter")

    server.wait_for_message('/ask_product{"product_id": "P0003"}')
    expect(tab.page.get_by_test_id("msg-user").last).to_have_text(
        "You: Tell me more: Coastline Leather Sneaker"
    )


def test_typing_indicator_shows_until_the_reply_or_times_out(server: WidgetServer, tab: Tab) -> None:
    server.script["slow question"] = [1.5, {"text": "Here you go."}]
    server.script["no answer"] = []
    tab.page.clock.install()
    open_chat(tab.page, server.page_url())
    typing = tab.page.get_by_test_id("typing")
    expect(typing).to_be_hidden()

    say(tab.page, "slow question")
    expect(typing).to_be_visible()
    expect(tab.page.get_by_test_id("msg-bot")).to_have_text("Assistant: Here you go.")
    expect(typing).to_be_hidden()

    say(tab.page, "no answer")
    server.wait_for_message("no answer")
    expect(typing).to_be_visible()
    tab.page.clock.fast_forward(14_000)
    expect(typing).to_be_visible()
    tab.page.clock.fast_forward(1_500)
    expect(typing).to_be_hidden()


def test_agent_messages_and_handoff_notices_are_from_a_person(server: WidgetServer, tab: Tab) -> None:
    server.script["where is my order?"] = [
        {"text": "Let me get **someone from our team** for you."},
    ]
    server.script["show me shoes"] = [{"text": "Meanwhile, you might like these:"}, CAROUSEL]
    server.pages["store"] = demo_page(
        widget_src="/widget.js",
        rasa_url=server.socket_url,
        customer_token=TOKEN,
        customer_name="Ann",
        cart_value=42.5,
    )
    open_chat(tab.page, server.page_url())
    page = tab.page
    say(page, "where is my order?")
    expect(page.get_by_test_id("msg-bot")).to_have_count(1)
    sid = session_id(page)

    server.push(
        sid, {"text": "Sam from our team has joined the chat.", "handoff": "joined", "agent": {"name": "Sam"}}
    )
    server.push(
        sid, {"text": "Hi, I'm Sam. Order **#1001** left our warehouse today.", "agent": {"name": "Sam"}}
    )
    notice = page.get_by_test_id("notice")
    expect(notice).to_have_text("Sam from our team has joined the chat.")
    expect(notice).to_have_attribute("data-handoff", "joined")
    agent = page.get_by_test_id("msg-agent")
    expect(agent).to_have_attribute("data-role", "agent")
    expect(agent.get_by_test_id("agent-name")).to_have_text("Sam")
    expect(agent).to_contain_text("Team member")
    expect(agent.locator("strong")).to_have_text("#1001")
    expect(agent.locator(".bc-sr")).to_have_text("Sam, from the Brightcart team: ")
    # Notices are not bubbles, and agent messages are not bot messages.
    expect(page.get_by_test_id("msg-bot")).to_have_count(1)

    server.push(sid, {"text": "Sam handed you back to the assistant.", "handoff": "left"})
    expect(notice.last).to_have_attribute("data-handoff", "left")
    say(page, "show me shoes")
    expect(page.get_by_test_id("carousel")).to_be_visible()
    expect(page.get_by_test_id("msg-bot")).to_have_count(2)

    page.get_by_test_id("widget-input").fill("Thanks!")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 10_000


def test_image_attachments_show_http_pictures_only(server: WidgetServer, tab: Tab) -> None:
    picture = f"{server.socket_url}/picture.svg"
    server.script["photo please"] = [
        {"attachment": {"type": "image", "payload": {"src": "javascript:alert(1)"}}},
        {"attachment": {"type": "image", "payload": {"src": picture}}},
    ]
    open_chat(tab.page, server.page_url())
    say(tab.page, "photo please")
    image = tab.page.get_by_role("img", name="Picture from the assistant")
    expect(image).to_have_attribute("src", picture)
    expect(image).to_have_js_property("naturalWidth", 120)
    expect(tab.page.locator(".bc-msg__image")).to_have_count(1)
    assert tab.dialogs == []


def test_csat_prompt_is_a_rating_row_that_sends_the_rate_payload(server: WidgetServer, tab: Tab) -> None:
    server.script["that's all"] = [CSAT]
    open_chat(tab.page, server.page_url())
    say(tab.page, "that's all")

    csat = tab.page.get_by_test_id("csat")
    expect(csat).to_be_visible()
    expect(tab.page.get_by_test_id("quick-replies")).to_have_count(0)
    expect(tab.page.get_by_role("group", name="Rate this conversation")).to_be_visible()
    scores = csat.get_by_role("button")
    expect(scores).to_have_text(["1", "2", "3", "4", "5"])
    expect(scores.nth(0)).to_have_attribute("aria-label", "1 out of 5, poor")
    expect(scores.nth(4)).to_have_attribute("aria-label", "5 out of 5, excellent")
    expect(csat).to_contain_text("Poor")
    expect(csat).to_contain_text("Excellent")

    tab.page.get_by_role("button", name="4 out of 5, very good").click()
    server.wait_for_message('/rate{"rating":"4"}')
    expect(scores.nth(3)).to_have_attribute("aria-pressed", "true")
    for n in range(5):
        expect(scores.nth(n)).to_be_disabled()
    expect(tab.page.get_by_test_id("msg-user").last).to_have_text("You: Rated 4 out of 5")


def test_reload_keeps_the_session_and_shows_earlier_messages(server: WidgetServer, tab: Tab) -> None:
    server.script["where is my order?"] = [{"text": "What is your **order number**?"}]
    open_chat(tab.page, server.page_url())
    say(tab.page, "where is my order?")
    expect(tab.page.get_by_test_id("msg-bot")).to_have_count(1)
    sid = session_id(tab.page)

    tab.page.reload()
    # The panel was open, so it is open again, with the conversation so far.
    expect(tab.page.get_by_test_id("widget-status")).to_have_text("Connected")
    expect(tab.page.get_by_test_id("msg-user")).to_have_text(["You: where is my order?"])
    expect(tab.page.get_by_test_id("msg-bot").locator("strong")).to_have_text("order number")
    assert session_id(tab.page) == sid
    requests = server.events("session_request")
    assert [r.data["session_id"] for r in requests] == [sid, sid]

    say(tab.page, "1001")
    assert server.wait_for_message("1001").data["session_id"] == sid
    expect(tab.page.get_by_test_id("msg-bot")).to_have_count(2)


def test_messages_while_closed_are_counted_on_the_launcher(server: WidgetServer, tab: Tab) -> None:
    open_chat(tab.page, server.page_url())
    say(tab.page, "hello")
    expect(tab.page.get_by_test_id("msg-bot")).to_have_count(1)
    tab.page.get_by_test_id("widget-close").click()
    tab.page.reload()  # an ongoing conversation listens even while the panel is closed
    expect(tab.page.get_by_test_id("widget-panel")).to_be_hidden()
    launcher = tab.page.get_by_test_id("widget-launcher")
    expect(tab.page.get_by_test_id("widget-status")).to_have_attribute("data-state", "connected")

    server.push(session_id(tab.page), {"text": "Sam here, are you still there?", "agent": {"name": "Sam"}})
    expect(tab.page.get_by_test_id("widget-unread")).to_have_text("1")
    expect(launcher).to_have_attribute("aria-label", "Open chat: Brightcart help (1 new message)")
    launcher.click()
    expect(tab.page.get_by_test_id("msg-agent")).to_contain_text("are you still there?")
    expect(tab.page.get_by_test_id("widget-unread")).to_be_hidden()


def test_a_different_customer_does_not_see_the_previous_conversation(server: WidgetServer, tab: Tab) -> None:
    open_chat(tab.page, server.page_url())
    say(tab.page, "my address is 1 High St")
    expect(tab.page.get_by_test_id("msg-bot")).to_have_count(1)
    first = session_id(tab.page)

    server.pages["store"] = store_page(
        server.socket_url, {**ISSUE_ATTRIBUTES, "data-token": "v1.C0099.other"}
    )
    tab.page.reload()
    expect(tab.page.get_by_test_id("widget-status")).to_have_text("Connected")
    expect(tab.page.get_by_test_id("msg-user")).to_have_count(0)
    assert session_id(tab.page) != first


def test_reconnects_after_a_server_restart_and_continues(server: WidgetServer, tab: Tab) -> None:
    open_chat(tab.page, server.page_url())
    say(tab.page, "before restart")
    expect(tab.page.get_by_test_id("msg-bot")).to_have_count(1)
    sid = session_id(tab.page)
    status = tab.page.get_by_test_id("widget-status")

    server.stop()
    expect(status).to_have_text("Reconnecting…")
    server.start()
    expect(status).to_have_text("Connected", timeout=15_000)

    assert [r.data["session_id"] for r in server.events("session_request")] == [sid, sid]
    say(tab.page, "after restart")
    assert server.wait_for_message("after restart").data["session_id"] == sid
    expect(tab.page.get_by_test_id("msg-bot")).to_have_count(2)
    expect(tab.page.get_by_test_id("msg-user")).to_have_text(["You: before restart", "You: after restart"])


def test_keyboard_only(server: WidgetServer, tab: Tab) -> None:
    server.script["hi"] = [
        {"text": "Hello! Pick one:", "quick_replies": [{"title": "Returns", "payload": "/returns"}]}
    ]
    page = tab.page
    page.goto(server.page_url())
    launcher = page.get_by_test_id("widget-launcher")
    expect(launcher).to_have_attribute("aria-expanded", "false")
    expect(launcher).to_have_attribute("aria-label", "Open chat: Brightcart help")

    for _ in range(4):
        page.keyboard.press("Tab")
        if focused_testid(page) == "widget-launcher":
            break
    else:
        pytest.fail("Tab never reached the launcher")
    page.keyboard.press("Enter")
    expect(launcher).to_have_attribute("aria-expanded", "true")
    assert focused_testid(page) == "widget-input"
    expect(page.get_by_role("log", name="Conversation")).to_have_attribute("aria-live", "polite")
    expect(page.get_by_role("textbox", name="Message")).to_be_visible()
    expect(page.get_by_role("button", name="Send message")).to_be_visible()

    expect(page.get_by_test_id("widget-status")).to_have_text("Connected")
    page.keyboard.type("hi")
    page.keyboard.press("Enter")
    server.wait_for_message("hi")
    expect(page.get_by_role("button", name="Returns")).to_be_visible()
    page.keyboard.press("Shift+Tab")  # from the input back to the suggestion
    assert page.evaluate(f"{FOCUSED}.textContent") == "Returns"
    page.keyboard.press("Enter")
    server.wait_for_message("/returns")

    page.keyboard.press("Escape")
    expect(page.get_by_test_id("widget-panel")).to_be_hidden()
    expect(launcher).to_have_attribute("aria-expanded", "false")
    assert focused_testid(page) == "widget-launcher"


def test_narrow_phone_screen_is_filled_without_horizontal_overflow(
    server: WidgetServer, phone_tab: Tab
) -> None:
    question = "show me shoes " + "x" * 80  # one long word must wrap, not widen the panel
    server.script[question] = [{"text": "You might like these: " + "verylongwordwithoutspaces" * 4}, CAROUSEL]
    page = phone_tab.page
    open_chat(page, server.page_url())
    say(page, question)
    expect(page.get_by_test_id("carousel")).to_be_visible()

    box = page.get_by_test_id("widget-panel").bounding_box()
    assert box == {"x": 0, "y": 0, "width": 360, "height": 740}
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    scroller = page.locator(".bc-scroller")
    assert scroller.evaluate("s => s.scrollWidth <= s.clientWidth"), "the message list scrolls sideways"
    # Only the carousel scrolls sideways, inside itself.
    assert page.get_by_test_id("carousel").evaluate("c => c.getBoundingClientRect().right") <= 360
    expect(page.get_by_test_id("widget-send")).to_be_in_viewport()
    page.get_by_test_id("widget-close").click()
    expect(page.get_by_test_id("widget-launcher")).to_be_in_viewport()

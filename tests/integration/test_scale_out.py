"""Two Rasa and two action-server replicas behind the stack's nginx balancer (docs/deploy.md "Scale-out").

Every message goes through the balancer, round robin over the replicas. A conversation's
turns are ordered by the Redis lock store whichever replica takes them; a replica killed
under load loses no conversation and no customer message, and the supervisor brings it back;
a widget's socket on a killed Rasa replica reconnects to the other and its conversation goes on.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import socketio
from redis import Redis

from actions import redis_edge
from actions.keys import Keys
from stack.assistant import Assistant
from stack.config import StackSettings
from stack.processes import ManagedProcess

pytestmark = pytest.mark.integration

# Database 6 and ports 27xxx: apart from the other end-to-end stacks (conftest.py).
SCALE_REDIS_URL = os.environ.get("SCALE_REDIS_URL", "redis://127.0.0.1:6379/6")
MESSAGES_AT_ONCE = 30
SIMPLE = ["hi", "are you a bot?", "thanks", "bye", "hello", "thank you", "good morning", "goodbye"]
TECHNICAL_PROBLEM = "having a technical problem"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    settings = StackSettings(
        redis_url=SCALE_REDIS_URL,
        rasa_port=int(os.environ.get("SCALE_RASA_PORT", "27005")),
        action_port=int(os.environ.get("SCALE_ACTION_PORT", "27055")),
        web_port=int(os.environ.get("SCALE_WEB_PORT", "27080")),
        replicas=2,
        data_dir=tmp_path_factory.mktemp("scale-out"),
    )
    Redis.from_url(SCALE_REDIS_URL).flushdb()
    with pytest.MonkeyPatch.context() as env:
        # One conversation gets MESSAGES_AT_ONCE messages at once, over the 15 in 10 s a
        # customer may send (rasa_addons/message_limits.py); the processes read it at start.
        env.setenv("MAX_MESSAGES_PER_WINDOW", "1000")
        try:
            with Assistant(settings) as running:
                yield running
        finally:
            Redis.from_url(SCALE_REDIS_URL).flushdb()


def _part(assistant: Assistant, name: str) -> ManagedProcess:
    return next(p for p in assistant.processes if p.name == name)


async def _tracker(client: httpx.AsyncClient, assistant: Assistant, sender: str) -> list[dict[str, Any]]:
    token = assistant.settings.rasa_token.get_secret_value()
    response = await client.get(
        f"{assistant.rasa_url}/conversations/{sender}/tracker", params={"token": token}
    )
    response.raise_for_status()
    events: list[dict[str, Any]] = response.json()["events"]
    return events


def _turns(events: list[dict[str, Any]]) -> list[tuple[int | None, list[str]]]:
    """(probe of each user event, the bot texts after it until the next user event), in order."""
    turns: list[tuple[int | None, list[str]]] = []
    for event in events:
        if event["event"] == "user":
            turns.append(((event.get("metadata") or {}).get("probe"), []))
        elif event["event"] == "bot" and turns:
            turns[-1][1].append(event.get("text") or "")
    return turns


def _upstreams(assistant: Assistant, path: str) -> Counter[str]:
    """How many requests for ``path`` each replica answered (the balancer's access log)."""
    log = assistant.settings.data_dir / "balancer" / "balancer-access.log"
    # ... "POST /webhooks/rest/webhook" 200 0.153 "127.0.0.1:5006, 127.0.0.1:5007" "502, 200"
    fields = [line.split('"') for line in log.read_text().splitlines()]
    return Counter(f[3].split(", ")[-1] for f in fields if len(f) > 5 and f[1].endswith(f" {path}"))


def test_messages_sent_at_once_to_one_conversation_are_each_recorded_once_in_order(
    cluster: Assistant,
) -> None:
    sender = f"burst-{uuid.uuid4().hex[:10]}"
    url = f"{cluster.rasa_url}/webhooks/rest/webhook"

    async def burst() -> tuple[list[list[str]], list[dict[str, Any]]]:
        async with httpx.AsyncClient(timeout=120) as client:

            async def send(n: int) -> list[str]:
                message = {"sender": sender, "message": SIMPLE[n % len(SIMPLE)], "metadata": {"probe": n}}
                response = await client.post(url, json=message)
                assert response.status_code == 200, (n, response.status_code, response.text)
                return [m.get("text", "") for m in response.json()]

            replies = await asyncio.gather(*(send(n) for n in range(MESSAGES_AT_ONCE)))
            return replies, await _tracker(client, cluster, sender)

    before = _upstreams(cluster, "/webhooks/rest/webhook")
    replies, events = asyncio.run(burst())
    served = _upstreams(cluster, "/webhooks/rest/webhook") - before
    # Round robin: the burst was spread over both replicas.
    assert len(served) == 2 and min(served.values()) >= MESSAGES_AT_ONCE // 4, served
    assert all(replies), [n for n, texts in enumerate(replies) if not texts]
    turns = _turns(events)
    probes = [probe for probe, _ in turns]
    # Exactly one user event per message: none lost, none twice.
    assert sorted(p for p in probes if p is not None) == list(range(MESSAGES_AT_ONCE)), probes
    # Each user event is followed by its own replies, before the next user event.
    for probe, bot_texts in turns:
        assert probe is not None
        assert bot_texts == replies[probe], (probe, bot_texts, replies[probe])


def test_the_widget_channel_stays_on_one_replica_through_the_balancer(cluster: Assistant) -> None:
    # Long polling sends every packet of a session as a new request: all must reach the
    # replica that opened it (python-socketio answers 400 "Invalid session" elsewhere).
    base = f"{cluster.rasa_url}/socket.io/?EIO=4&transport=polling"
    with httpx.Client(timeout=30) as client:
        opened = client.get(base)
        assert opened.status_code == 200 and '"sid"' in opened.text, opened.text
        session = f"{base}&sid={json.loads(opened.text[1:])['sid']}"
        assert client.post(session, content=b"40").status_code == 200  # join the namespace
        assert client.get(session).text.startswith("40")
        request = b'42["session_request",{"customData":{}}]'
        assert client.post(session, content=request).status_code == 200
        answers = ""
        for _ in range(3):  # session_ticket, then session_confirm: one poll or two
            answer = client.get(session)
            assert answer.status_code == 200, answer.text
            answers += answer.text
            if "session_confirm" in answers:
                break
        assert "session_ticket" in answers and "session_confirm" in answers, answers


# --- a replica of each kind killed under load ---------------------------------------------


def _store_turns(redis: Redis) -> list[list[str]]:
    keys = Keys("cs")
    order_id = min(redis_edge.text(i) for i in redis.smembers(keys.order_ids))
    raw = redis.get(keys.order(order_id))
    assert raw is not None
    email = json.loads(raw)["email"]
    return [
        ["hi", "where is my order?", order_id, email, "thanks", "bye"],
        ["hello", "do you sell yoga mats?", "are you a bot?", "thank you", "goodbye"],
        ["good morning", "how much does express shipping cost?", "thanks!", "bye"],
    ]


@dataclass
class Tally:
    """What the customers saw while replicas died and came back."""

    turns: int = 0
    lost_by_balancer: int = 0  # 502: the replica died with the turn; the customer asks again
    recorded_before_loss: int = 0  # ... but the turn had been recorded: not sent again
    technical_problems: int = 0
    failed: list[str] = field(default_factory=list)
    sent: dict[str, list[int]] = field(default_factory=dict)


async def _customer(
    client: httpx.AsyncClient,
    cluster: Assistant,
    scripts: list[list[str]],
    n: int,
    stop: asyncio.Event,
    tally: Tally,
) -> None:
    url = f"{cluster.rasa_url}/webhooks/rest/webhook"
    while not stop.is_set():
        sender = f"kill-{n}-{uuid.uuid4().hex[:8]}"
        tally.sent[sender] = []
        for probe, text in enumerate(scripts[n % len(scripts)]):
            tally.sent[sender].append(probe)
            tally.turns += 1
            for _ in range(3):
                try:
                    response = await client.post(
                        url, json={"sender": sender, "message": text, "metadata": {"probe": probe}}
                    )
                except (httpx.ReadError, httpx.RemoteProtocolError):
                    # nginx reloads when a replica goes down or comes back, and closes its idle
                    # keep-alive connections: a request written on one just then gets no answer at
                    # all. Like a 502 below, the customer asks again unless the turn was recorded.
                    response = None
                if response is not None and response.status_code == 200:
                    replies = " ".join(m.get("text", "") for m in response.json())
                    tally.technical_problems += TECHNICAL_PROBLEM in replies
                    break
                if response is not None and response.status_code != 502:
                    tally.failed.append(f"{sender}: {response.status_code} for {text!r}")
                    return
                # The balancer never sends a turn twice; the customer does, unless it was recorded.
                tally.lost_by_balancer += 1
                if probe in [p for p, _ in _turns(await _tracker(client, cluster, sender))]:
                    tally.recorded_before_loss += 1
                    break
            else:
                tally.failed.append(f"{sender}: no answer to {text!r}")
                return


def _back(cluster: Assistant, name: str, killed: int) -> bool:
    process, balancer = _part(cluster, name), cluster.balancer
    assert balancer is not None
    return process.running and process.pid != killed and not balancer.layout.down


def test_a_killed_rasa_replica_and_action_replica_lose_no_conversation(cluster: Assistant) -> None:
    scripts = _store_turns(Redis.from_url(SCALE_REDIS_URL))
    tally = Tally()
    victims = {
        "rasa-1": _part(cluster, "rasa-1").pid,
        "action-server-2": _part(cluster, "action-server-2").pid,
    }
    ports = (cluster.settings.rasa_replica_ports[0], cluster.settings.action_replica_ports[1])
    balancer = cluster.balancer
    assert balancer is not None

    async def run() -> float:
        stop = asyncio.Event()
        async with httpx.AsyncClient(timeout=180) as client:
            customers = [
                asyncio.create_task(_customer(client, cluster, scripts, n, stop, tally)) for n in range(6)
            ]
            await asyncio.sleep(8)
            for pid in victims.values():
                assert pid is not None
                os.killpg(pid, signal.SIGKILL)  # the whole replica at once: a crash, not a stop
            killed_at = time.monotonic()
            # The supervisor takes both out of the balancer's rotation at once ...
            while not set(ports) <= balancer.layout.down:
                assert time.monotonic() - killed_at < 5, balancer.layout.down
                await asyncio.sleep(0.1)
            # ... and puts them back once restarted and ready.
            while not all(_back(cluster, name, pid or 0) for name, pid in victims.items()):
                assert time.monotonic() - killed_at < cluster.settings.start_timeout_s, "not restarted"
                await asyncio.sleep(1)
            back_after = time.monotonic() - killed_at
            await asyncio.sleep(8)  # and serving again, with both replicas of each kind
            stop.set()
            await asyncio.gather(*customers)
            for sender, probes in tally.sent.items():
                recorded = [p for p, _ in _turns(await _tracker(client, cluster, sender))]
                if sorted(p for p in recorded if p is not None) != probes:
                    tally.failed.append(f"{sender}: sent {probes}, recorded {recorded}")
            return back_after

    back_after = asyncio.run(run())
    print(
        f"{len(tally.sent)} conversations, {tally.turns} turns; "
        f"replicas back {back_after:.0f} s after the kill; "
        f"turns lost with the killed replica {tally.lost_by_balancer} "
        f"(of which already recorded {tally.recorded_before_loss}); "
        f"technical-problem replies {tally.technical_problems}"
    )
    assert tally.failed == []
    assert tally.technical_problems == 0
    served = _upstreams(cluster, "/webhooks/rest/webhook")
    assert all(served[f"127.0.0.1:{port}"] for port in cluster.settings.rasa_replica_ports), served


# --- a widget's socket on a killed Rasa replica ---------------------------------------------


def _socket_replica(cluster: Assistant) -> str:
    """The Rasa replica the balancer's hash gives this machine's sockets (one polling handshake, logged)."""
    opened = httpx.get(f"{cluster.rasa_url}/socket.io/?EIO=4&transport=polling", timeout=30)
    assert opened.status_code == 200, opened.text
    log = cluster.settings.data_dir / "balancer" / "balancer-access.log"
    last = [line.split('"') for line in log.read_text().splitlines() if '"GET /socket.io/"' in line][-1]
    upstream = last[3].split(", ")[-1]
    ports = [f"127.0.0.1:{port}" for port in cluster.settings.rasa_replica_ports]
    return f"rasa-{ports.index(upstream) + 1}"


def test_a_widget_socket_on_a_killed_rasa_replica_reconnects_and_its_conversation_goes_on(
    cluster: Assistant,
) -> None:
    victim = _socket_replica(cluster)

    async def run() -> list[str]:
        # As the widget does (web/widget/connection.js): on every (re)connect, ask for the same
        # conversation with its ticket; every message carries both.
        client = socketio.AsyncClient(reconnection_delay=0.5, reconnection_delay_max=1)
        session: dict[str, str] = {}
        confirmed: asyncio.Queue[str] = asyncio.Queue()
        replies: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

        async def connect() -> None:
            request: dict[str, Any] = {"customData": {}}
            if session:
                request |= {"session_id": session["id"], "ticket": session["ticket"]}
            await client.emit("session_request", request)

        client.on("connect", connect)
        client.on("session_ticket", lambda data: session.update(id=data["session_id"], ticket=data["ticket"]))
        client.on("session_confirm", confirmed.put_nowait)
        client.on("bot_uttered", replies.put_nowait)

        async def say(text: str) -> None:
            message = {
                "message": text,
                "session_id": session["id"],
                "ticket": session["ticket"],
                "customData": {},
            }
            await client.emit("user_uttered", message)
            await asyncio.wait_for(replies.get(), 60)
            await asyncio.sleep(1)  # a reply can come as several messages
            while not replies.empty():
                replies.get_nowait()

        await client.connect(cluster.rasa_url, transports=["websocket"])
        try:
            conversation = await asyncio.wait_for(confirmed.get(), 30)
            await say("hi")
            pid = _part(cluster, victim).pid
            assert pid is not None
            os.killpg(pid, signal.SIGKILL)
            # The socket drops with its replica; the client reconnects through the balancer to the
            # other replica and gets the same conversation back.
            assert await asyncio.wait_for(confirmed.get(), 60) == conversation
            await say("are you a bot?")
            async with httpx.AsyncClient(timeout=30) as http:
                events = await _tracker(http, cluster, conversation)
            return [event["text"] for event in events if event["event"] == "user"]
        finally:
            await client.disconnect()

    # Each message recorded once, in order: none lost with the replica, none sent twice.
    assert asyncio.run(run()) == ["hi", "are you a bot?"]

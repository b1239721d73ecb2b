"""python -m jobs.privacy: export, erase (only with --yes, audited without personal data), trim."""

from __future__ import annotations

import asyncio
import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from redis import Redis as SyncRedis
from redis.asyncio import Redis

from actions.keys import Keys
from jobs.privacy import EXIT_NOT_CONFIRMED, EXIT_OK, EXIT_UNAVAILABLE, main
from tests.unit.privacy.conftest import BYSTANDER, SUBJECT, Person, all_text, give_data

KEYS = Keys("test")


def _args(redis_url: str, *command: str) -> list[str]:
    return ["--redis-url", redis_url, "--prefix", "test", *command]


def _give(redis_url: str, *people: Person) -> None:
    async def give() -> None:
        client = Redis.from_url(redis_url)
        try:
            for person in people:
                await give_data(client, KEYS, person)
        finally:
            await client.aclose()

    asyncio.run(give())


def _everything(redis_url: str) -> str:
    async def read() -> str:
        client = Redis.from_url(redis_url)
        try:
            return await all_text(client)
        finally:
            await client.aclose()

    return asyncio.run(read())


def _audit(redis_client: SyncRedis) -> list[dict[str, str]]:
    return [
        {name.decode(): value.decode() for name, value in fields.items()}
        for _, fields in redis_client.xrange(KEYS.audit)
    ]


def test_export_writes_an_owner_only_file_and_audits_the_read(
    redis_client: SyncRedis, redis_url: str, tmp_path: Path
) -> None:
    _give(redis_url, SUBJECT)
    out = tmp_path / "export.json"
    assert main(_args(redis_url, "export", SUBJECT.customer_id, "--out", str(out))) == EXIT_OK
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    document = json.loads(out.read_text())
    assert document["customer_id"] == SUBJECT.customer_id
    assert [c["conversation_id"] for c in document["conversations"]] == list(SUBJECT.conversations)
    last = _audit(redis_client)[-1]
    assert last["action"] == "customer.export" and last["target"] == SUBJECT.customer_id


def test_export_to_stdout(
    redis_client: SyncRedis, redis_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _give(redis_url, SUBJECT)
    assert main(_args(redis_url, "export", SUBJECT.customer_id)) == EXIT_OK
    assert json.loads(capsys.readouterr().out)["store"]["customer"]["email"] == SUBJECT.email


def test_erase_without_yes_changes_nothing(
    redis_client: SyncRedis, redis_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _give(redis_url, SUBJECT)
    before = _everything(redis_url)
    assert main(_args(redis_url, "erase", SUBJECT.customer_id)) == EXIT_NOT_CONFIRMED
    assert "nothing erased" in capsys.readouterr().out
    assert _everything(redis_url) == before


def test_erase_with_yes_leaves_one_audit_record_without_personal_data(
    redis_client: SyncRedis, redis_url: str
) -> None:
    _give(redis_url, SUBJECT, BYSTANDER)
    assert main(_args(redis_url, "erase", SUBJECT.customer_id, "--yes")) == EXIT_OK
    everything = _everything(redis_url)
    for value in (SUBJECT.email, SUBJECT.full_name, f'"{SUBJECT.customer_id}"', f":{SUBJECT.customer_id}\n"):
        assert value not in everything
    assert BYSTANDER.email in everything
    erasures = [entry for entry in _audit(redis_client) if entry["action"] == "customer.erase"]
    assert len(erasures) == 1 and erasures[0]["target"].startswith("erasure:")
    details = json.loads(erasures[0]["details"])
    assert details["found"]["conversations"] == 2 and details["stream_entries_deleted"]["events"] == 4


def test_trim_removes_old_entries_of_the_chosen_streams(
    redis_client: SyncRedis, redis_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    for stream in (KEYS.events, KEYS.csat):
        redis_client.xadd(stream, {"old": "1"}, id="1000-0")
        redis_client.xadd(stream, {"new": "1"})
    assert main(_args(redis_url, "trim", "--older-than-days", "30", "--stream", "events")) == EXIT_OK
    assert "test:events: 1 entries older than 30 days removed" in capsys.readouterr().out
    assert redis_client.xlen(KEYS.events) == 1 and redis_client.xlen(KEYS.csat) == 2


def test_bad_command_lines_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["trim", "--older-than-days", "0"], ["erase", "has space"], ["export"]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == 2


def test_an_unreachable_redis_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--redis-url", "redis://127.0.0.1:1/0", "export", "C1"]) == EXIT_UNAVAILABLE
    assert "error: could not" in capsys.readouterr().err


def test_runs_as_a_module(redis_client: SyncRedis, redis_url: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "jobs.privacy", *_args(redis_url, "erase", "C-nobody")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == EXIT_NOT_CONFIRMED and "conversations" in done.stdout

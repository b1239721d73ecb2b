from __future__ import annotations

import getpass
import io
import os
import subprocess
import sys

import pytest
from redis import Redis as SyncRedis

from jobs.accounts import EXIT_INVALID, EXIT_OK, EXIT_UNAVAILABLE, main
from tests.unit.web.accounts.tiny_app import ACCOUNTS_REDIS_URL, audit_entries

PASSWORD = "correct horse battery"


def _run(
    capsys: pytest.CaptureFixture[str], *args: str, redis_url: str = ACCOUNTS_REDIS_URL
) -> tuple[int, str, str]:
    status = main(["--redis-url", redis_url, "--prefix", "test", *args])
    out = capsys.readouterr()
    return status, out.out, out.err


def test_create_list_set_password_and_delete(
    sync_redis: SyncRedis, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAM_PASSWORD", PASSWORD)
    status, out, _ = _run(
        capsys, "create-user", "sam", "--role", "agent", "--name", "Sam Lee", "--password-env", "SAM_PASSWORD"
    )
    assert status == EXIT_OK and out == "created agent 'sam' (Sam Lee)\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(PASSWORD + "\n"))
    assert (
        _run(capsys, "create-user", "mia", "--role", "marketer", "--name", "Mia Chen", "--password-stdin")[0]
        == 0
    )
    status, out, _ = _run(capsys, "list-users")
    lines = out.splitlines()
    assert status == 0 and lines[0].startswith("mia") and "marketer" in lines[0] and "Mia Chen" in lines[0]
    assert lines[1].startswith("sam") and lines[-1] == "2 user(s)"
    assert PASSWORD not in out and "argon2" not in out
    answers = iter(["a new long password", "a new long password"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    status, out, _ = _run(capsys, "set-password", "sam")
    assert status == 0 and "sessions have ended" in out
    assert _run(capsys, "delete-user", "mia") == (0, "deleted 'mia'\n", "")
    assert sync_redis.smembers("test:web:users") == {b"sam"}
    actions = [entry["action"] for entry in audit_entries(sync_redis)]
    assert actions == ["account.create", "account.create", "account.set_password", "account.delete"]


def test_problems_exit_1_naming_the_field(
    sync_redis: SyncRedis, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PW", PASSWORD)
    monkeypatch.setenv("SHORT", "short")
    monkeypatch.delenv("UNSET", raising=False)
    create = ("create-user", "sam", "--role", "agent", "--name", "Sam Lee")
    assert _run(capsys, *create, "--password-env", "PW")[0] == 0
    cases = [
        ((*create, "--password-env", "PW"), "username: 'sam' is already taken"),
        (
            ("create-user", "Sam!", "--role", "agent", "--name", "S", "--password-env", "PW"),
            "username: must be 3-40",
        ),
        (
            ("create-user", "tom", "--role", "agent", "--name", " ", "--password-env", "PW"),
            "display_name: must not be empty",
        ),
        (
            ("create-user", "tom", "--role", "agent", "--name", "Tom", "--password-env", "SHORT"),
            "password: must be at least 10",
        ),
        (
            ("create-user", "tom", "--role", "agent", "--name", "Tom", "--password-env", "UNSET"),
            "password: environment variable UNSET is not set",
        ),
        (("set-password", "ghost", "--password-env", "PW"), "username: no console user 'ghost'"),
        (("delete-user", "ghost"), "username: no console user 'ghost'"),
    ]
    for args, message in cases:
        status, _, err = _run(capsys, *args)
        assert status == EXIT_INVALID and message in err, (args, err)


def test_typed_passwords_must_match(
    sync_redis: SyncRedis, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = iter([PASSWORD, PASSWORD + "!"])
    monkeypatch.setattr(getpass, "getpass", lambda prompt="": next(answers))
    status, _, err = _run(capsys, "create-user", "sam", "--role", "agent", "--name", "Sam")
    assert status == EXIT_INVALID and "password: the two entries do not match" in err
    assert not sync_redis.exists("test:web:user:sam")


def test_unknown_role_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["create-user", "sam", "--role", "boss", "--name", "Sam"])
    assert exited.value.code == 2 and "--role: invalid choice: 'boss'" in capsys.readouterr().err


def test_unreachable_redis_exits_3(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = _run(capsys, "list-users", redis_url="redis://127.0.0.1:1/0")
    assert status == EXIT_UNAVAILABLE and "could not list the console users at redis://127.0.0.1:1/0" in err


def test_runs_as_a_module_with_redis_url_and_prefix_from_the_environment(sync_redis: SyncRedis) -> None:
    env = {**os.environ, "REDIS_URL": ACCOUNTS_REDIS_URL, "CS_KEY_PREFIX": "test", "NEW_PW": PASSWORD}
    command = [
        sys.executable,
        "-m",
        "jobs.accounts",
        "create-user",
        "root",
        "--role",
        "admin",
        "--name",
        "Root",
    ]
    done = subprocess.run(
        [*command, "--password-env", "NEW_PW"], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert sync_redis.sismember("test:web:users", "root")

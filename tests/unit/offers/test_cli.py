from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from redis import Redis as SyncRedis

from actions.offers.demo import DEMO_RULES_FILE
from jobs.offers import main

BAD_RULES = """\
- id: fine
  name: Fine
  kind: upsell
  variants:
    - {id: a, message: Hello}
- id: broken
  name: Broken
  kind: upsell
  conditions: {sentiment_min: 0.5, sentiment_max: 0.1}
  variants:
    - {id: a, message: ""}
"""


@pytest.fixture
def bad_file(tmp_path: Path) -> Path:
    path = tmp_path / "bad.yml"
    path.write_text(BAD_RULES)
    return path


def test_validate_a_bad_file_exits_non_zero_naming_each_field(
    bad_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["validate", str(bad_file)]) == 1
    err = capsys.readouterr().err
    assert "rules[1].conditions.sentiment_min: must be <= sentiment_max" in err
    assert "rules[1].variants[0].message: must not be empty" in err


def test_validate_as_a_command(bad_file: Path) -> None:
    bad = subprocess.run(
        [sys.executable, "-m", "jobs.offers", "validate", str(bad_file)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 1 and "rules[1].variants[0].message: must not be empty" in bad.stderr
    good = subprocess.run(
        [sys.executable, "-m", "jobs.offers", "validate", str(DEMO_RULES_FILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert good.returncode == 0 and "7 valid rules" in good.stdout


def test_load_list_switch_history_rollback_and_diff(
    redis_client: SyncRedis, redis_url: str, bad_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def run(*args: str) -> tuple[int, str, str]:
        status = main(["--redis-url", redis_url, "--prefix", "test", *args])
        out = capsys.readouterr()
        return status, out.out, out.err

    assert run("load", str(DEMO_RULES_FILE), "--author", "alice")[0] == 0
    status, out, _ = run("list")
    assert status == 0 and "version 1: 7 rules" in out and "apology-voucher" in out
    assert run("disable", "apology-voucher", "--author", "bob")[1].startswith(
        "disabled apology-voucher: version 2"
    )
    status, out, _ = run("show", "apology-voucher")
    assert status == 0 and "enabled: false" in out and "SORRY15" in out
    assert run("enable", "apology-voucher", "--author", "bob")[0] == 0
    status, out, _ = run("history")
    lines = out.splitlines()
    assert len(lines) == 3 and "enable" in lines[0] and "bob" in lines[0] and "alice" in lines[2]
    status, out, _ = run("rollback", "2", "--author", "carol")
    assert status == 0 and "version 4" in out
    assert "changed: apology-voucher (enabled)" in run("diff")[1]
    assert "version 1 -> 2: changed: apology-voucher (enabled)" in run("diff", "1", "2")[1]
    assert "changed: apology-voucher (enabled)" in run("diff", "--file", str(DEMO_RULES_FILE))[1]
    status, _, err = run("load", str(bad_file), "--author", "alice")
    assert status == 1 and "rules[1].variants[0].message: must not be empty" in err
    status, _, err = run("load", str(DEMO_RULES_FILE), "--author", "alice", "--expect-version", "1")
    assert status == 1 and "version 4 is now current" in err
    status, _, err = run("show", "nope")
    assert status == 1 and "no offer rule with id 'nope'" in err
    status, out, _ = run("export", "--version", "1")
    assert status == 0 and out.startswith("- id: apology-voucher")
    assert redis_client.get("test:offers:rules:current") == b"4"

"""The evaluation command: accuracy by Hungarian matching, scores on a tiny labelled CSV, the CLI."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from redis import Redis

from actions.keys import Keys
from jobs import topics as cli
from jobs.topic_quality import clustering_accuracy, evaluate, read_labelled_csv
from tests.unit.insights.fakes import WordHashEncoder, append_messages, subject_messages


def test_accuracy_matches_found_clusters_to_labels_one_to_one() -> None:
    truth = ["a", "a", "a", "b", "b", "c"]
    assert clustering_accuracy(truth, ["x", "x", "x", "y", "y", "z"]) == 1.0
    assert clustering_accuracy(truth, ["x"] * 6) == pytest.approx(3 / 6)  # one cluster matches one label
    assert clustering_accuracy(truth, ["1", "2", "3", "4", "5", "6"]) == pytest.approx(3 / 6)


@pytest.fixture
def labelled_csv(tmp_path: Path) -> Path:
    path = tmp_path / "messages.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        for subject in ("late", "refund", "password", "sizes"):
            writer.writerows([text, subject] for text in subject_messages(subject, 10))
    return path


def test_well_separated_subjects_score_perfectly_in_one_run_or_several(labelled_csv: Path) -> None:
    encoder = WordHashEncoder()
    one, three = evaluate(read_labelled_csv(labelled_csv), encoder.encode, runs=[1, 3])
    assert encoder.encoded == 40  # embedded once for both
    for quality in (one, three):
        assert quality.topics_found == quality.true_topics == 4
        assert quality.nmi == pytest.approx(1.0) and quality.ari == pytest.approx(1.0)
        assert quality.accuracy == 1.0
    assert three.runs == 3 and any(line.startswith("clustering accuracy") for line in three.lines())


def test_a_malformed_csv_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("text,label\nhello,\n", encoding="utf-8")
    with pytest.raises(ValueError, match="bad.csv:2"):
        read_labelled_csv(path)


def test_the_command_evaluates_a_csv(labelled_csv: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(cli, "load_encoder", lambda threads: WordHashEncoder())
    assert cli.main(["evaluate", "--csv", str(labelled_csv)]) == 0
    out = capsys.readouterr().out
    assert "topics found: 4 (true: 4)" in out and "NMI: 1.0000" in out


def test_the_command_runs_and_lists(redis_client: Redis, redis_url: str, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(cli, "load_encoder", lambda threads: WordHashEncoder())
    start = datetime.now(UTC).timestamp() - 3600
    append_messages(
        redis_client, Keys("t"), subject_messages("late", 8) + subject_messages("refund", 6), start
    )
    assert cli.main(["run", "--redis-url", redis_url, "--prefix", "t"]) == 0
    assert "placed: 0 in existing topics, 14 in 2 new topics" in capsys.readouterr().out
    assert cli.main(["list", "--redis-url", redis_url, "--prefix", "t"]) == 0
    listing = capsys.readouterr().out
    assert listing.startswith("2 topics") and "t-1" in listing and "t-2" in listing


def test_the_run_keeps_the_store_s_own_words(redis_client: Redis) -> None:
    keys = Keys("t")
    redis_client.hset(keys.products, "P1", '{"name": "Peakform Rain Jacket", "category": "Outdoor"}')
    redis_client.set(keys.policy, '{"store_name": "Brightcart"}')
    masker = cli.store_masker(redis_client, keys, r"\d{6}")
    assert masker.mask("does Brightcart sell the Peakform jacket, Anna?") == (
        "does Brightcart sell the Peakform jacket, [name]?"
    )

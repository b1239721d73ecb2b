"""The NLU evaluation command on a tiny data set (Rasa environment)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from nlu_eval.__main__ import main, stratified
from nlu_eval.datasets import OUT_OF_SCOPE, Example, read_clinc, read_csv_examples
from nlu_eval.measure import FALLBACK_INTENT, fallback_settings, score, with_fallback

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "nlu"


def test_clinc_reader_labels_out_of_scope(tmp_path: Path) -> None:
    data = {"train": [["hi", "greet"]], "oos_train": [["weather?", "oos"]], "val": [], "oos_val": [],
            "test": [["hello", "greet"]], "oos_test": [["a joke", "oos"]]}  # fmt: skip
    path = tmp_path / "data_full.json"
    path.write_text(json.dumps(data))
    benchmark = read_clinc(path, "test")
    assert benchmark.train == [Example("hi", "greet"), Example("weather?", OUT_OF_SCOPE)]
    assert benchmark.test[-1].label == OUT_OF_SCOPE
    with pytest.raises(ValueError):
        read_clinc(path, "train")


def test_csv_reader_maps_the_oos_label_and_names_bad_rows(tmp_path: Path) -> None:
    assert read_csv_examples(FIXTURES / "test.csv", "oos")[-1].label == OUT_OF_SCOPE
    bad = tmp_path / "bad.csv"
    bad.write_text("text,label\nonly one column\n")
    with pytest.raises(ValueError, match="bad.csv:2"):
        read_csv_examples(bad, None)


def test_scores_count_fallback_as_out_of_scope() -> None:
    test = [Example("a", "x"), Example("b", "y"), Example("c", OUT_OF_SCOPE), Example("d", OUT_OF_SCOPE)]
    report = score("cfg", test, ["x", "nlu_fallback", "nlu_fallback", "y"], [1.0, 2.0, 3.0, 4.0], 5.0)
    assert report.in_scope_accuracy == 0.5
    assert report.oos_recall == 0.5
    assert report.oos_precision == 0.5
    assert report.p50_ms == 2.5


def test_limit_train_takes_every_label_in_turn() -> None:
    examples = [Example(f"a{i}", "a") for i in range(4)] + [Example(f"b{i}", "b") for i in range(4)] + [
        Example("o0", OUT_OF_SCOPE)]  # fmt: skip
    assert [e.text for e in stratified(examples, 5)] == ["a0", "b0", "o0", "a1", "b1"]
    assert stratified(examples, None) == examples


def test_fallback_sweep_applies_threshold_and_ambiguity() -> None:
    rankings = [[("x", 0.9), ("y", 0.05)], [("x", 0.45), ("y", 0.4)], [("y", 0.3), ("x", 0.1)], []]
    assert with_fallback(rankings, 0.5, 0.0) == ["x", FALLBACK_INTENT, FALLBACK_INTENT, FALLBACK_INTENT]
    assert with_fallback(rankings, 0.2, 0.1) == ["x", FALLBACK_INTENT, "y", FALLBACK_INTENT]
    assert with_fallback(rankings, 0.0, 0.0) == ["x", "x", "y", FALLBACK_INTENT]


def test_fallback_settings_come_from_the_config(tmp_path: Path) -> None:
    assert fallback_settings(FIXTURES / "tiny_config.yml") == (0.3, 0.1)
    bare = tmp_path / "bare.yml"
    bare.write_text("pipeline:\n  - name: WhitespaceTokenizer\n")
    assert fallback_settings(bare) == (None, 0.1)


def test_command_trains_and_reports_on_a_tiny_benchmark(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["--csv-train", str(FIXTURES / "train.csv"), "--csv-test", str(FIXTURES / "test.csv"),
                 "--oos-label", "oos", "--config", str(FIXTURES / "tiny_config.yml"),
                 "--thresholds", "0,0.99", "--rankings-out", str(tmp_path)]) == 0  # fmt: skip
    output = capsys.readouterr().out
    assert "32 training and 8 test messages" in output
    configured, no_fallback, all_fallback = output.strip().splitlines()[-3:]
    accuracy = float(configured.split("acc")[1].split("%")[0])
    assert accuracy >= 50.0, configured
    assert "fallback 0.00/0.10" in no_fallback
    assert "oos recall 100.00%" in all_fallback  # nothing reaches 0.99 after 30 epochs on 32 messages
    rows = [json.loads(line) for line in (tmp_path / "tiny_config.jsonl").read_text().splitlines()]
    assert len(rows) == 8 and rows[-1]["label"] == OUT_OF_SCOPE and rows[0]["ranking"][0][0]


def test_default_epochs_override_is_named_in_the_config_file() -> None:
    from nlu_eval.__main__ import DEFAULT_CONFIG, default_config

    assert default_config(None) == DEFAULT_CONFIG
    shortened = default_config(7)
    assert shortened.stem == "default_config_diet_7_epochs"
    diet = [c for c in yaml.safe_load(shortened.read_text())["pipeline"] if c["name"] == "DIETClassifier"]
    assert diet == [{"name": "DIETClassifier", "epochs": 7, "constrain_similarities": True}]

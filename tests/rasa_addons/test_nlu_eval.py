"""The NLU evaluation command on a tiny data set (Rasa environment)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlu_eval.__main__ import main
from nlu_eval.datasets import OUT_OF_SCOPE, Example, read_clinc, read_csv_examples
from nlu_eval.measure import score

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


def test_command_trains_and_reports_on_a_tiny_benchmark(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--csv-train", str(FIXTURES / "train.csv"), "--csv-test", str(FIXTURES / "test.csv"),
                 "--oos-label", "oos", "--config", str(FIXTURES / "tiny_config.yml")]) == 0  # fmt: skip
    output = capsys.readouterr().out
    assert "32 training and 8 test messages" in output
    line = output.strip().splitlines()[-1]
    accuracy = float(line.split("acc")[1].split("%")[0])
    assert accuracy >= 50.0, line

from pathlib import Path

import numpy as np
import pytest

from actions.emotion.detector import EmotionDetector
from tests.unit.emotion.fakes import FixedScores
from training.emotion_evaluation import evaluate_labels, read_ratings, sentiment_correlation
from training.goemotions import f1_per_column, read_goemotions, tune_thresholds

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def test_reads_multi_label_rows_and_derives_ekman() -> None:
    data = read_goemotions(FIXTURES / "goemotions_tiny.tsv")
    assert data.texts[0] == "I love this, thank you!"
    assert data.labels[0].nonzero()[0].tolist() == [15, 17]  # gratitude, joy
    assert data.ekman[0].nonzero()[0].tolist() == [3]  # joy
    assert data.ekman[3].nonzero()[0].tolist() == [0, 1]  # anger, disgust


def test_malformed_line_is_named(tmp_path: Path) -> None:
    path = tmp_path / "bad.tsv"
    path.write_text("fine\t1\tx\nbroken\t99\ty\n")
    with pytest.raises(ValueError, match="bad.tsv:2"):
        read_goemotions(path)


def test_f1_and_threshold_tuning() -> None:
    scores = np.array([[0.9], [0.6], [0.2], [0.1]])
    targets = np.array([[1.0], [1.0], [0.0], [0.0]])
    assert f1_per_column(scores, targets, np.array([0.5]))[0] == 1.0
    assert f1_per_column(scores, targets, np.array([0.95]))[0] == 0.0
    assert 0.2 < tune_thresholds(scores, targets)[0] <= 0.6


def test_evaluation_reports_macro_and_per_label_f1() -> None:
    data = read_goemotions(FIXTURES / "goemotions_tiny.tsv")
    model = FixedScores({"I love this, thank you!": {"gratitude": 0.9, "joy": 0.8, "ekman:joy": 0.9},
                         "ok": {"neutral": 0.9, "ekman:neutral": 0.9}})  # fmt: skip
    labels, ekman = evaluate_labels(model, data)  # type: ignore[arg-type]
    assert labels.per_label[15] == 1.0 and labels.per_label[2] == 0.0
    assert ekman.per_label[3] == 1.0
    assert "macro-F1" in labels.lines("28 labels")[0]


def test_sentiment_ratings_and_pearson() -> None:
    texts, ratings = read_ratings(FIXTURES / "sentiment_ratings_tiny.tsv")
    assert len(texts) == 4 and ratings.tolist() == [0.9, -0.8, 0.0, -0.4]
    assert sentiment_correlation(EmotionDetector(FixedScores()), texts, ratings) > 0.8

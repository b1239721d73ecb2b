"""Evaluates the whole emotion detector on GoEmotions-format data and sentiment ratings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from actions.emotion.classifier import EmotionClassifier
from actions.emotion.detector import EmotionDetector
from training.goemotions import LabelledTexts, f1_per_column


@dataclass(frozen=True)
class F1Report:
    """Macro-F1 and per-label F1 for one label set."""

    names: list[str]
    per_label: np.ndarray

    @property
    def macro(self) -> float:
        """Unweighted mean over labels."""
        return float(self.per_label.mean())

    def lines(self, title: str) -> list[str]:
        """Printable table."""
        rows = [f"{title}: macro-F1 {self.macro:.4f}"]
        rows += [f"  {name:15} {f1:.3f}" for name, f1 in zip(self.names, self.per_label, strict=True)]
        return rows


def evaluate_labels(classifier: EmotionClassifier, data: LabelledTexts) -> tuple[F1Report, F1Report]:
    """F1 on the 28 labels and on the Ekman grouping, with the model's tuned thresholds."""
    scores = np.concatenate(
        [classifier.probabilities(data.texts[i : i + 128]) for i in range(0, len(data.texts), 128)]
    )
    count = len(classifier.labels)
    labels = f1_per_column(scores[:, :count], data.labels, classifier.label_thresholds)
    ekman = f1_per_column(scores[:, count:], data.ekman, classifier.ekman_thresholds)
    return F1Report(classifier.labels, labels), F1Report(classifier.ekman_labels, ekman)


def read_ratings(path: Path) -> tuple[list[str], np.ndarray]:
    """``id<TAB>mean rating<TAB>text`` lines (a header line is skipped)."""
    texts, ratings = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        parts = line.split("\t", 2)
        if len(parts) != 3:
            raise ValueError(f"{path}:{number}: expected id<TAB>mean rating<TAB>text")
        try:
            rating = float(parts[1])
        except ValueError:
            if number == 1:
                continue  # header
            raise ValueError(f"{path}:{number}: rating {parts[1]!r} is not a number") from None
        texts.append(parts[2])
        ratings.append(rating)
    return texts, np.asarray(ratings)


def sentiment_correlation(detector: EmotionDetector, texts: list[str], ratings: np.ndarray) -> float:
    """Pearson r between the detector's sentiment score and human mean ratings."""
    scores = np.asarray([detector.analyse(text).sentiment for text in texts])
    return float(np.corrcoef(scores, ratings)[0, 1])

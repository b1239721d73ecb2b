"""A stand-in for the trained classifier: fixed scores per text, for single-module tests."""

from __future__ import annotations

import numpy as np

from actions.emotion.labels import EKMAN_LABELS, GOEMOTIONS_LABELS


class FixedScores:
    """Returns the scores registered for a text (``ekman:<group>`` for a group).

    Unknown texts read neutral.
    """

    labels = list(GOEMOTIONS_LABELS)
    ekman_labels = list(EKMAN_LABELS)
    label_thresholds = np.full(len(GOEMOTIONS_LABELS), 0.3)
    ekman_thresholds = np.full(len(EKMAN_LABELS), 0.3)

    def __init__(self, by_text: dict[str, dict[str, float]] | None = None) -> None:
        self.by_text = by_text or {}
        self.calls = 0

    def probabilities(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        rows = []
        for text in texts:
            wanted = self.by_text.get(text, {"neutral": 0.9, "ekman:neutral": 0.9})
            row = np.zeros(len(self.labels) + len(self.ekman_labels), dtype=np.float32)
            for name, score in wanted.items():
                if name.startswith("ekman:"):
                    row[len(self.labels) + self.ekman_labels.index(name.removeprefix("ekman:"))] = score
                else:
                    row[self.labels.index(name)] = score
            rows.append(row)
        return np.stack(rows)

"""Reads GoEmotions-format files: text, TAB, comma-separated label ids, TAB, comment id."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from actions.emotion.labels import EKMAN_GROUPS, GOEMOTIONS_LABELS


@dataclass(frozen=True)
class LabelledTexts:
    """Texts with multi-hot targets: 28 labels, then the 7 Ekman groups."""

    texts: list[str]
    targets: np.ndarray  # (n, 35) float32

    @property
    def labels(self) -> np.ndarray:
        """(n, 28) multi-hot GoEmotions labels."""
        return self.targets[:, : len(GOEMOTIONS_LABELS)]

    @property
    def ekman(self) -> np.ndarray:
        """(n, 7) multi-hot Ekman groups."""
        return self.targets[:, len(GOEMOTIONS_LABELS) :]


def ekman_matrix() -> np.ndarray:
    """(28, 7) membership of each label in each Ekman group."""
    matrix = np.zeros((len(GOEMOTIONS_LABELS), len(EKMAN_GROUPS)), dtype=np.float32)
    for column, members in enumerate(EKMAN_GROUPS.values()):
        for label in members:
            matrix[GOEMOTIONS_LABELS.index(label), column] = 1.0
    return matrix


def read_goemotions(path: Path) -> LabelledTexts:
    """Parse a file; a malformed line raises ValueError naming the line."""
    texts, rows = [], []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 2:
                raise ValueError(f"{path}:{number}: expected text<TAB>label ids")
            try:
                ids = [int(i) for i in parts[1].split(",")]
            except ValueError as error:
                raise ValueError(f"{path}:{number}: label ids must be integers, got {parts[1]!r}") from error
            if any(not 0 <= i < len(GOEMOTIONS_LABELS) for i in ids):
                raise ValueError(f"{path}:{number}: label id out of range in {parts[1]!r}")
            texts.append(parts[0])
            rows.append(ids)
    labels = np.zeros((len(texts), len(GOEMOTIONS_LABELS)), dtype=np.float32)
    for row, ids in enumerate(rows):
        labels[row, ids] = 1.0
    ekman = (labels @ ekman_matrix() > 0).astype(np.float32)
    return LabelledTexts(texts, np.concatenate([labels, ekman], axis=1))


def f1_per_column(scores: np.ndarray, targets: np.ndarray, thresholds: np.ndarray | float) -> np.ndarray:
    """F1 of each column when a score at or above its threshold predicts the label."""
    predicted = scores >= thresholds
    actual = targets > 0
    tp = (predicted & actual).sum(0)
    fp = (predicted & ~actual).sum(0)
    fn = (~predicted & actual).sum(0)
    return 2 * tp / np.maximum(2 * tp + fp + fn, 1)


def tune_thresholds(scores: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Per-column threshold maximising F1 on the given (tuning) split."""
    grid = np.round(np.arange(0.05, 0.95, 0.01), 2)
    best = np.zeros(scores.shape[1])
    for column in range(scores.shape[1]):
        f1 = [
            f1_per_column(scores[:, column : column + 1], targets[:, column : column + 1], t)[0] for t in grid
        ]
        best[column] = grid[int(np.argmax(f1))]
    return best

"""Benchmark readers: CLINC150's data_full.json and plain ``text,label`` CSV files."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from pathlib import Path

OUT_OF_SCOPE = "out_of_scope"


@dataclass(frozen=True)
class Example:
    """One labelled message."""

    text: str
    label: str


@dataclass(frozen=True)
class Benchmark:
    """Training and test examples; out-of-scope examples carry the label OUT_OF_SCOPE."""

    name: str
    train: list[Example]
    test: list[Example]


def read_clinc(path: Path, split: str = "test") -> Benchmark:
    """CLINC150 "full": train + oos_train for training; ``split`` + oos_``split`` for testing."""
    if split not in ("val", "test"):
        raise ValueError(f"split must be 'val' or 'test', not {split!r}")
    data = json.loads(path.read_text())

    def examples(key: str, oos: bool) -> list[Example]:
        return [Example(text, OUT_OF_SCOPE if oos else label) for text, label in data[key]]

    return Benchmark(
        name=f"CLINC150 {split}",
        train=examples("train", False) + examples("oos_train", True),
        test=examples(split, False) + examples(f"oos_{split}", True),
    )


def read_csv_examples(path: Path, oos_label: str | None) -> list[Example]:
    """``text,label`` rows (header optional); ``oos_label`` rows become out of scope."""
    examples = []
    with path.open(newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if number == 1 and [c.strip().lower() for c in row] == ["text", "label"]:
                continue
            if len(row) != 2 or not row[0].strip() or not row[1].strip():
                raise ValueError(f"{path}:{number}: expected text,label")
            label = OUT_OF_SCOPE if oos_label is not None and row[1].strip() == oos_label else row[1].strip()
            examples.append(Example(row[0].strip(), label))
    return examples


def read_csv_benchmark(train: Path, test: Path, oos_label: str | None) -> Benchmark:
    """A benchmark from two CSV files."""
    return Benchmark(f"{train.name} -> {test.name}", read_csv_examples(train, oos_label),
                     read_csv_examples(test, oos_label))  # fmt: skip

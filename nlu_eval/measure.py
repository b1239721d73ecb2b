"""Trains a Rasa NLU pipeline on examples and measures it on a test set."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from rasa.core.agent import Agent
from rasa.model_training import train_nlu
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.metrics import f1_score

from nlu_eval.datasets import OUT_OF_SCOPE, Example

FALLBACK_INTENT = "nlu_fallback"


@dataclass(frozen=True)
class Report:
    """What one pipeline scored on one benchmark."""

    config: str
    in_scope_accuracy: float
    macro_f1: float
    oos_recall: float
    oos_precision: float
    train_seconds: float
    p50_ms: float
    p95_ms: float
    test_messages: int

    def line(self) -> str:
        """One printable row."""
        return (f"{self.config:28} acc {self.in_scope_accuracy:6.2%}  macro-F1 {self.macro_f1:.4f}  "
                f"oos recall {self.oos_recall:6.2%}  oos precision {self.oos_precision:6.2%}  "
                f"train {self.train_seconds:6.0f} s  p50 {self.p50_ms:5.1f} ms  p95 {self.p95_ms:5.1f} ms  "
                f"(n={self.test_messages})")  # fmt: skip


def train(config: Path, examples: list[Example], workdir: Path) -> tuple[Path, float]:
    """Train the pipeline in ``config`` on the examples; returns the model and seconds taken."""
    data = TrainingData([Message.build(text=e.text, intent=e.label) for e in examples])
    nlu_file = workdir / "nlu.yml"
    nlu_file.write_text(RasaYAMLWriter().dumps(data))
    started = time.perf_counter()
    model = train_nlu(str(config), str(nlu_file), str(workdir / "models"), fixed_model_name="nlu")
    if model is None:
        raise RuntimeError(f"training with {config} produced no model")
    return Path(model), time.perf_counter() - started


def predictions(model: Path, texts: list[str]) -> tuple[list[str], list[float]]:
    """Predicted intent and latency (ms) of each text, one message at a time."""
    agent = Agent.load(str(model))

    async def run() -> tuple[list[str], list[float]]:
        labels, timings = [], []
        for text in texts:
            started = time.perf_counter()
            parsed = await agent.parse_message(text)
            timings.append((time.perf_counter() - started) * 1000)
            labels.append((parsed.get("intent") or {}).get("name") or FALLBACK_INTENT)
        return labels, timings

    return asyncio.run(run())


def score(config_name: str, test: list[Example], predicted: list[str], timings: list[float],
          train_seconds: float) -> Report:  # fmt: skip
    """Accuracy and macro-F1 on in-scope messages; recall and precision of out of scope."""
    as_oos = [OUT_OF_SCOPE if p in (OUT_OF_SCOPE, FALLBACK_INTENT) else p for p in predicted]
    gold = [e.label for e in test]
    in_scope = [i for i, g in enumerate(gold) if g != OUT_OF_SCOPE]
    oos = [i for i, g in enumerate(gold) if g == OUT_OF_SCOPE]
    flagged = [i for i, p in enumerate(as_oos) if p == OUT_OF_SCOPE]
    labels = sorted({gold[i] for i in in_scope})
    ordered = sorted(timings)
    return Report(
        config=config_name,
        in_scope_accuracy=sum(as_oos[i] == gold[i] for i in in_scope) / max(len(in_scope), 1),
        macro_f1=float(f1_score(gold, as_oos, labels=labels, average="macro", zero_division=0)),
        oos_recall=sum(as_oos[i] == OUT_OF_SCOPE for i in oos) / max(len(oos), 1),
        oos_precision=sum(gold[i] == OUT_OF_SCOPE for i in flagged) / max(len(flagged), 1),
        train_seconds=train_seconds,
        p50_ms=statistics.median(ordered),
        p95_ms=ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))],
        test_messages=len(test),
    )


def evaluate(config: Path, train_examples: list[Example], test: list[Example]) -> Report:
    """Train on ``train_examples`` and score on ``test`` in a throwaway folder."""
    with tempfile.TemporaryDirectory(prefix="nlu-eval-") as folder:
        model, seconds = train(config, train_examples, Path(folder))
        predicted, timings = predictions(model, [e.text for e in test])
    return score(str(config), test, predicted, timings, seconds)

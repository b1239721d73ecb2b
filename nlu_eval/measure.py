"""Trains a Rasa NLU pipeline on examples and measures it on a test set."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from rasa.core.agent import Agent
from rasa.model_training import train_nlu
from rasa.shared.nlu.training_data.formats.rasa_yaml import RasaYAMLWriter
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.shared.utils.io import read_yaml_file
from sklearn.metrics import f1_score

from nlu_eval.datasets import OUT_OF_SCOPE, Example

FALLBACK_INTENT = "nlu_fallback"
DEFAULT_AMBIGUITY = 0.1  # FallbackClassifier's default ambiguity_threshold

# Top intents of one message, best first, without the FallbackClassifier's entry.
Ranking = list[tuple[str, float]]


@dataclass(frozen=True)
class Report:
    """What one pipeline scored on one benchmark.

    Out of scope is predicted when the top intent is ``out_of_scope`` (the label
    trained as an intent) or ``nlu_fallback`` (FallbackClassifier: top confidence
    below its threshold, or the top two closer than its ambiguity threshold).
    ``oos_by_intent`` and ``oos_by_fallback`` split the out-of-scope recall by which
    of the two caught the message.
    """

    config: str
    in_scope_accuracy: float
    macro_f1: float
    oos_recall: float
    oos_precision: float
    train_seconds: float
    p50_ms: float
    p95_ms: float
    test_messages: int
    oos_by_intent: float = 0.0
    oos_by_fallback: float = 0.0
    load: str = ""

    def line(self) -> str:
        """One printable row."""
        return (f"{self.config:28} acc {self.in_scope_accuracy:6.2%}  macro-F1 {self.macro_f1:.4f}  "
                f"oos recall {self.oos_recall:6.2%} (intent {self.oos_by_intent:.1%}, fallback "
                f"{self.oos_by_fallback:.1%})  oos precision {self.oos_precision:6.2%}  "
                f"train {self.train_seconds:6.0f} s  p50 {self.p50_ms:5.1f} ms  p95 {self.p95_ms:5.1f} ms  "
                f"(n={self.test_messages}{', load ' + self.load if self.load else ''})")  # fmt: skip


def load_average() -> str:
    """The machine's 1/5/15-minute load averages, for the record next to a timing."""
    return "/".join(f"{value:.2f}" for value in os.getloadavg())


@contextmanager
def _rasa_cache_disabled() -> Iterator[None]:
    # Rasa caches trained components in .rasa/cache; a second run on the same data
    # would then skip training and report a training time of seconds.
    previous = os.environ.get("RASA_MAX_CACHE_SIZE")
    os.environ["RASA_MAX_CACHE_SIZE"] = "0"
    try:
        yield
    finally:
        if previous is None:
            del os.environ["RASA_MAX_CACHE_SIZE"]
        else:
            os.environ["RASA_MAX_CACHE_SIZE"] = previous


def train(config: Path, examples: list[Example], workdir: Path) -> tuple[Path, float]:
    """Train the pipeline in ``config`` on the examples; returns the model and seconds taken."""
    data = TrainingData([Message.build(text=e.text, intent=e.label) for e in examples])
    nlu_file = workdir / "nlu.yml"
    nlu_file.write_text(RasaYAMLWriter().dumps(data))
    started = time.perf_counter()
    with _rasa_cache_disabled():
        model = train_nlu(str(config), str(nlu_file), str(workdir / "models"), fixed_model_name="nlu")
    if model is None:
        raise RuntimeError(f"training with {config} produced no model")
    return Path(model), time.perf_counter() - started


def predictions(model: Path, texts: list[str]) -> tuple[list[str], list[float], list[Ranking]]:
    """Predicted intent, latency (ms) and intent ranking of each text, one message at a time."""
    agent = Agent.load(str(model))

    async def run() -> tuple[list[str], list[float], list[Ranking]]:
        labels, timings, rankings = [], [], []
        for text in texts:
            started = time.perf_counter()
            parsed = await agent.parse_message(text)
            timings.append((time.perf_counter() - started) * 1000)
            labels.append((parsed.get("intent") or {}).get("name") or FALLBACK_INTENT)
            rankings.append(
                [
                    (r["name"], float(r.get("confidence") or 0.0))
                    for r in parsed.get("intent_ranking") or []
                    if r.get("name") != FALLBACK_INTENT
                ]
            )
        return labels, timings, rankings

    return asyncio.run(run())


def with_fallback(rankings: list[Ranking], threshold: float, ambiguity: float) -> list[str]:
    """The labels a FallbackClassifier with these thresholds would give the rankings."""
    labels = []
    for ranking in rankings:
        if not ranking:
            labels.append(FALLBACK_INTENT)
            continue
        first = ranking[0][1]
        second = ranking[1][1] if len(ranking) > 1 else 0.0
        labels.append(FALLBACK_INTENT if first < threshold or first - second < ambiguity else ranking[0][0])
    return labels


def fallback_settings(config: Path) -> tuple[float | None, float]:
    """The FallbackClassifier's threshold (None without one) and ambiguity threshold in ``config``."""
    for component in (read_yaml_file(config) or {}).get("pipeline") or []:
        if component.get("name") == "FallbackClassifier":
            return float(component.get("threshold", 0.3)), float(
                component.get("ambiguity_threshold", DEFAULT_AMBIGUITY)
            )
    return None, DEFAULT_AMBIGUITY


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
        oos_by_intent=sum(predicted[i] == OUT_OF_SCOPE for i in oos) / max(len(oos), 1),
        oos_by_fallback=sum(predicted[i] == FALLBACK_INTENT for i in oos) / max(len(oos), 1),
    )


def save_rankings(path: Path, test: list[Example], rankings: list[Ranking], timings: list[float]) -> None:
    """One JSON line per test message: text, gold label, latency and intent ranking."""
    with path.open("w", encoding="utf-8") as handle:
        for example, ranking, ms in zip(test, rankings, timings, strict=True):
            handle.write(json.dumps({"text": example.text, "label": example.label, "ms": round(ms, 2),
                                     "ranking": ranking}) + "\n")  # fmt: skip


def evaluate(
    config: Path,
    train_examples: list[Example],
    test: list[Example],
    thresholds: Sequence[float] = (),
    ambiguity: float | None = None,
    rankings_out: Path | None = None,
) -> list[Report]:
    """Train on ``train_examples`` and score on ``test`` in a throwaway folder.

    The first report is the pipeline as configured; one more follows per entry of
    ``thresholds``: the same model and rankings with the FallbackClassifier's
    threshold replaced (and its ambiguity threshold, if ``ambiguity`` is given), so
    one training shows the whole accuracy / out-of-scope trade-off. ``rankings_out``
    keeps every message's intent ranking for further analysis.
    """
    with tempfile.TemporaryDirectory(prefix="nlu-eval-") as folder:
        model, seconds = train(config, train_examples, Path(folder))
        load = load_average()
        predicted, timings, rankings = predictions(model, [e.text for e in test])
    configured = replace(score(str(config), test, predicted, timings, seconds), load=load)
    if rankings_out is not None:
        save_rankings(rankings_out, test, rankings, timings)
    if ambiguity is None:
        ambiguity = fallback_settings(config)[1]
    swept = [
        replace(
            score(
                f"  fallback {threshold:.2f}/{ambiguity:.2f}",
                test,
                with_fallback(rankings, threshold, ambiguity),
                timings,
                seconds,
            ),
            load=load,
        )
        for threshold in thresholds
    ]
    return [configured, *swept]

"""The per-message intent scorer gives stock Rasa's intents, confidences and rankings.

Features come from the real pipeline components of config.yml (word counts, regexes and the
ONNX MiniLM from `make models/minilm-onnx/model.int8.onnx`), the model from stock training.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.featurizers.sparse_featurizer.regex_featurizer import RegexFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_addons.intent_classifier import LinearIntentClassifier
from rasa_addons.minilm_featurizer import MiniLMFeaturizer

ROOT = Path(__file__).resolve().parents[2]
MINILM = ROOT / "models" / "minilm-onnx"

EXAMPLES = {
    "greet": ["hi", "hello there", "good morning", "hey", "hiya, anyone around?"],
    "thank": ["thanks", "thank you so much", "cheers", "thx, that helped", "much appreciated"],
    "check_order_status": [
        "where is my order", "order 104233 status", "has my parcel shipped?",
        "track order 100045", "when will my package arrive",
    ],
    "return_item": [
        "I want to return these shoes", "how do I send something back", "refund for order 100312",
        "can I return a gift", "the jacket doesn't fit, return it",
    ],
}  # fmt: skip
UNSEEN = [
    "hello!", "thanks a lot", "where's order 100099?", "return policy for sale items", "?",
    "asdfgh", "hi, where is my parcel, thanks", "104233", "RETURN", "good evening, can I send it back?",
]  # fmt: skip


class Pipeline:
    """Tokenizer and featurizers as in config.yml, trained on ``examples``."""

    def __init__(self, tmp_path: Path, examples: list[Message]) -> None:
        storage = LocalModelStorage(tmp_path)

        def context(name: str) -> ExecutionContext:
            return ExecutionContext(None, node_name=name)  # type: ignore[arg-type]

        self.tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
        self.regex = RegexFeaturizer.create(
            RegexFeaturizer.get_default_config(), storage, Resource("regex"), context("regex")
        )
        self.minilm = MiniLMFeaturizer.create(
            {**MiniLMFeaturizer.get_default_config(), "model_path": str(MINILM / "model.int8.onnx"),
             "tokenizer_path": str(MINILM / "tokenizer.json"), "scale": 5.0},
            storage, Resource("minilm"), context("minilm"),
        )  # fmt: skip
        self.counts = CountVectorsFeaturizer.create(
            CountVectorsFeaturizer.get_default_config(), storage, Resource("counts"), context("counts")
        )
        data = TrainingData(examples)
        data.regex_features = [{"name": "order_id", "pattern": r"\b1\d{5}\b"}]
        self.tokenizer.process_training_data(data)
        self.regex.train(data)
        self.counts.train(data)

    def featurised(self, messages: list[Message]) -> list[Message]:
        self.tokenizer.process(messages)
        self.regex.process(messages)
        self.minilm.process(messages)
        self.counts.process(messages)
        return messages


def _trained(tmp_path: Path, examples: dict[str, list[str]]) -> tuple[Pipeline, LogisticRegressionClassifier]:
    labelled = [Message(data={TEXT: t, INTENT: intent}) for intent, texts in examples.items() for t in texts]
    pipeline = Pipeline(tmp_path, labelled)
    training = pipeline.featurised(labelled)
    stock = LogisticRegressionClassifier.create(
        LogisticRegressionClassifier.get_default_config(), LocalModelStorage(tmp_path),
        Resource("lr"), ExecutionContext(None, node_name="lr"),  # type: ignore[arg-type]
    )  # fmt: skip
    stock.train(TrainingData(training))
    return pipeline, stock


def _linear(stock: LogisticRegressionClassifier) -> LinearIntentClassifier:
    linear = LinearIntentClassifier(stock.config, "lr", stock._model_storage, stock._resource)
    linear.clf = stock.clf
    return linear


def _assert_same(ours: list[Message], theirs: list[Message]) -> None:
    for mine, stock in zip(ours, theirs, strict=True):
        assert mine.get(INTENT)["name"] == stock.get(INTENT)["name"]
        assert np.isclose(mine.get(INTENT)["confidence"], stock.get(INTENT)["confidence"], rtol=1e-9)
        ranked = [(r["name"], r["confidence"]) for r in mine.get("intent_ranking")]
        expected = [(r["name"], r["confidence"]) for r in stock.get("intent_ranking")]
        assert [n for n, _ in ranked] == [n for n, _ in expected]
        assert np.allclose([c for _, c in ranked], [c for _, c in expected], rtol=1e-9, atol=1e-12)
        assert set(mine.as_dict_nlu()) == set(stock.as_dict_nlu())


@pytest.mark.parametrize("ranking_length", [10, 2, 0])
def test_same_intents_and_rankings_as_stock(tmp_path: Path, ranking_length: int) -> None:
    pipeline, stock = _trained(tmp_path, EXAMPLES)
    stock.config["ranking_length"] = ranking_length
    messages = pipeline.featurised([Message(data={TEXT: t}) for t in UNSEEN])
    theirs = stock.process(copy.deepcopy(messages))
    ours = _linear(stock).process(copy.deepcopy(messages))
    _assert_same(ours, theirs)
    # The scores must depend on both feature blocks, or the test above proves little.
    assert len({m.get(INTENT)["name"] for m in ours}) == len(EXAMPLES)


def test_two_intents_are_scored_one_vs_rest_by_the_stock_code(tmp_path: Path) -> None:
    examples = {k: EXAMPLES[k] for k in ("greet", "thank")}
    pipeline, stock = _trained(tmp_path, examples)
    messages = pipeline.featurised([Message(data={TEXT: t}) for t in UNSEEN])
    _assert_same(_linear(stock).process(copy.deepcopy(messages)), stock.process(copy.deepcopy(messages)))


def test_features_of_another_pipeline_ask_for_retraining(tmp_path: Path) -> None:
    pipeline, stock = _trained(tmp_path, EXAMPLES)
    message = pipeline.featurised([Message(data={TEXT: "hi"})])[0]
    message.features = [f for f in message.features if f.is_sparse()]  # the embedding is missing
    with pytest.raises(ValueError, match="retrain"):
        _linear(stock).process([message])

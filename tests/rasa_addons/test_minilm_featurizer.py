"""The ONNX MiniLM featurizer (needs models/minilm-onnx from `make models/minilm-onnx/model.onnx`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from rasa_addons.minilm_featurizer import MiniLMFeaturizer

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "minilm-onnx"


def _featurizer(tmp_path: Path, **config: object) -> MiniLMFeaturizer:
    defaults = MiniLMFeaturizer.get_default_config()
    defaults.update(model_path=str(MODEL / "model.onnx"), tokenizer_path=str(MODEL / "tokenizer.json"))
    defaults.update(config)
    return MiniLMFeaturizer.create(
        defaults, LocalModelStorage(tmp_path), Resource("minilm"), ExecutionContext(None, node_name="minilm")
    )  # type: ignore[arg-type]


def _message(text: str) -> Message:
    message = Message(data={TEXT: text})
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process([message])
    return message


def test_sentence_and_sequence_feature_shapes(tmp_path: Path) -> None:
    featurizer = _featurizer(tmp_path, sequence_features=True)
    message = _message("where is my order 104233")
    featurizer.process([message])
    sequence, sentence = message.get_dense_features(TEXT)
    assert sentence.features.shape == (1, 384)
    assert sequence.features.shape == (5, 384)
    assert np.isclose(np.linalg.norm(sentence.features), 1.0, atol=1e-4)
    assert np.abs(sequence.features).sum(axis=1).min() > 0  # every token got word pieces


def test_sentence_only_by_default(tmp_path: Path) -> None:
    message = _message("how much is express shipping?")
    _featurizer(tmp_path).process([message])
    sequence, sentence = message.get_dense_features(TEXT)
    assert sequence is None and sentence.features.shape == (1, 384)


def test_deterministic_and_batch_independent(tmp_path: Path) -> None:
    featurizer = _featurizer(tmp_path)
    alone = featurizer.embed(["my card was declined"])[1]
    batched = featurizer.embed(
        ["my card was declined", "a much longer sentence about a late parcel and a refund"]
    )[1]
    assert np.allclose(alone[0], featurizer.embed(["my card was declined"])[1][0])
    assert np.allclose(alone[0], batched[0], atol=1e-5)


def test_similar_questions_are_closer_than_unrelated_ones(tmp_path: Path) -> None:
    _, vectors, _ = _featurizer(tmp_path).embed(
        ["where is my parcel?", "has my package shipped yet?", "what's the weather in Paris?"]
    )
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2]


def test_missing_model_file_gives_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidConfigException, match="model_path .*does not exist.*make models/minilm-onnx"):
        _featurizer(tmp_path, model_path=str(tmp_path / "nope.onnx"))


def test_missing_tokenizer_file_gives_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(
        InvalidConfigException, match="tokenizer_path .*does not exist.*make models/minilm-onnx"
    ):
        _featurizer(tmp_path, tokenizer_path=str(tmp_path / "nope.json"))


def test_training_batches_give_each_message_its_own_features(tmp_path: Path) -> None:
    # Training featurizes in length-sorted batches; every message must still get its own vector.
    texts = ["refund please", "a", "where is the parcel I ordered last week for my sister", "cancel my order"]
    data = TrainingData([Message.build(text=t, intent="x") for t in texts])
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process_training_data(data)
    featurizer = _featurizer(tmp_path, batch_size=2)
    featurizer.process_training_data(data)
    for message in data.training_examples:
        _, sentence = message.get_dense_features(TEXT)
        assert np.allclose(sentence.features[0], featurizer.embed([message.get(TEXT)])[1][0], atol=1e-5)


def test_scale_multiplies_sentence_and_token_features(tmp_path: Path) -> None:
    plain, scaled = _message("track my order"), _message("track my order")
    _featurizer(tmp_path, sequence_features=True).process([plain])
    _featurizer(tmp_path, sequence_features=True, scale=19.6).process([scaled])
    for before, after in zip(plain.get_dense_features(TEXT), scaled.get_dense_features(TEXT), strict=True):
        assert np.allclose(after.features, before.features * 19.6, atol=1e-4)


def test_the_int8_copy_the_nlu_runs_gives_nearly_the_float_models_sentence_vectors(tmp_path: Path) -> None:
    # config.yml runs models/minilm-onnx/model.int8.onnx (make models/minilm-onnx/model.int8.onnx).
    texts = ["hi", "are you a bot?", "where is my order 104233", "return the jacket, it's too small"]
    floats = _featurizer(tmp_path).embed(texts)[1]
    int8 = _featurizer(tmp_path, model_path=str(MODEL / "model.int8.onnx")).embed(texts)[1]
    cosines = (floats * int8).sum(axis=1)
    assert cosines.min() > 0.95, cosines
    # Still the same neighbourhoods: each text is closest to its own float vector.
    assert ((int8 @ floats.T).argmax(axis=1) == np.arange(len(texts))).all()

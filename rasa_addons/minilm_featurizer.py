"""Dense sentence features from all-MiniLM-L6-v2, run with onnxruntime in the Rasa server.

The Rasa environment has no torch: ``training/export_minilm_onnx.py`` exports the
model at setup (``models/minilm-onnx/``), and this featurizer runs it with
onnxruntime and the ``tokenizers`` library. The sentence feature is the
sentence-transformers embedding (mean-pooled, L2-normalised); per-token features,
when asked for, average the word pieces that overlap each Rasa token.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES, TOKENS_NAMES
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import ACTION_TEXT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

SETUP_HINT = "create it with `make models/minilm-onnx/model.onnx` (python -m training.export_minilm_onnx)"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=False)
class MiniLMFeaturizer(DenseFeaturizer, GraphComponent):
    """all-MiniLM-L6-v2 sentence (and optionally token) features via ONNX."""

    @classmethod
    def required_components(cls) -> list[type]:
        """Token features need the Rasa tokens."""
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Paths are relative to the directory Rasa runs in (the project root)."""
        return {
            **DenseFeaturizer.get_default_config(),
            "model_path": "models/minilm-onnx/model.onnx",
            "tokenizer_path": "models/minilm-onnx/tokenizer.json",
            "max_length": 256,  # sentence-transformers' max_seq_length for this model
            "threads": 1,  # one thread was faster than two per message on 2 cores
            "batch_size": 64,
            "sequence_features": False,  # DIET needs them only for entity recognition
            # Multiplies the features. The embedding has unit length (~0.05 a dimension),
            # too small for classifiers with fixed regularisation or learning rate
            # (config.yml: 5 for logistic regression; DIET did best at sqrt(384) ~ 19.6).
            "scale": 1.0,
        }

    @staticmethod
    def required_packages() -> list[str]:
        """Python packages the component imports."""
        return ["onnxruntime", "tokenizers"]

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        """Both files must exist; the error names the missing one and how to make it."""
        for key in ("model_path", "tokenizer_path"):
            path = Path(str(config.get(key) or ""))
            if not path.is_file():
                raise InvalidConfigException(f"{cls.__name__}: {key} '{path}' does not exist; {SETUP_HINT}")

    @classmethod
    def create(
        cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
        execution_context: ExecutionContext,
    ) -> MiniLMFeaturizer:  # fmt: skip
        """Build the component (nothing is trained or persisted)."""
        return cls(config, execution_context.node_name)

    def __init__(self, config: dict[str, Any], name: str) -> None:
        super().__init__(name, config)
        import onnxruntime
        from tokenizers import Tokenizer as WordPieceTokenizer

        self._tokenizer = WordPieceTokenizer.from_file(str(config["tokenizer_path"]))
        # The shipped tokenizer.json pads every text to 128 tokens: pad to the batch's longest instead.
        self._tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        self._tokenizer.enable_truncation(max_length=int(config["max_length"]))
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = int(config["threads"])
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(config["model_path"]), options, providers=["CPUExecutionProvider"]
        )
        self._inputs = {i.name for i in self._session.get_inputs()}

    def embed(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, list[Any]]:
        """Hidden states (n, seq, 384), sentence embeddings (n, 384), and the encodings."""
        encodings = self._tokenizer.encode_batch(texts)
        feeds = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        (hidden,) = self._session.run(None, {k: v for k, v in feeds.items() if k in self._inputs})
        mask = feeds["attention_mask"][..., None].astype(np.float32)
        pooled = (hidden * mask).sum(1) / np.clip(mask.sum(1), 1e-9, None)
        pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return hidden, pooled.astype(np.float32), encodings

    @staticmethod
    def _token_rows(hidden: np.ndarray, encoding: Any, tokens: list[Token]) -> np.ndarray:
        rows = np.zeros((len(tokens), hidden.shape[-1]), dtype=np.float32)
        pieces = [
            (i, start, end)
            for i, ((start, end), special) in enumerate(
                zip(encoding.offsets, encoding.special_tokens_mask, strict=True)
            )
            if not special and end > start
        ]
        for row, token in enumerate(tokens):
            overlapping = [i for i, start, end in pieces if start < token.end and end > token.start]
            if overlapping:
                rows[row] = hidden[overlapping].mean(axis=0)
        return rows

    def _featurize(self, messages: list[Message], attribute: str) -> None:
        size = int(self._config["batch_size"])
        scale = float(self._config["scale"])
        # Batches of similar length waste little time on padding (CLINC150 training set: ~1.4x faster).
        messages = sorted(messages, key=lambda m: len(m.get(attribute)))
        for first in range(0, len(messages), size):
            batch = messages[first : first + size]
            hidden, pooled, encodings = self.embed([m.get(attribute) for m in batch])
            for index, message in enumerate(batch):
                tokens = message.get(TOKENS_NAMES[attribute]) or []
                sequence = None
                if self._config["sequence_features"] and tokens:
                    sequence = self._token_rows(hidden[index], encodings[index], tokens) * scale
                self.add_features_to_message(
                    sequence=sequence,
                    sentence=pooled[index : index + 1] * scale,
                    attribute=attribute,
                    message=message,
                )

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Featurize every training example's text."""
        for attribute in DENSE_FEATURIZABLE_ATTRIBUTES:
            self._featurize([m for m in training_data.training_examples if m.get(attribute)], attribute)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        """Featurize incoming messages."""
        for attribute in (TEXT, ACTION_TEXT):
            self._featurize([m for m in messages if m.get(attribute)], attribute)
        return messages

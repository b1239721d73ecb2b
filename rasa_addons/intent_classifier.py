"""Rasa's logistic-regression intent classifier, scoring a message without scipy matrices.

Trained and stored exactly as ``LogisticRegressionClassifier`` (this is a subclass). Stock
``process`` joins each message's sentence features into scipy matrices: a deep copy of the
features, two ``hstack`` and a ``vstack``, then sklearn's input checks, for one row. That
was 7% of the Rasa workers' time on simple turns (py-spy, benchmarks/README.md), more than
the classifier's arithmetic. Here the same row is scored directly: the intercepts, plus the
weights of the row's non-zero word and regex counts, plus the dense block times the sentence
embedding, then sklearn's softmax. A model sklearn would score one-vs-rest (two intents,
or another solver) is scored by the stock code.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.tensorflow.constants import RANKING_LENGTH
from sklearn.linear_model import LogisticRegression

SENTENCE = "sentence"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(LogisticRegressionClassifier):
    """``LogisticRegressionClassifier`` with a per-message scorer; same training, same scores."""

    def process(self, messages: list[Message]) -> list[Message]:
        """Set ``intent`` and ``intent_ranking`` on each message, as the stock classifier does."""
        weights = _multinomial_weights(self.clf)
        if weights is None:
            return super().process(messages)
        by_feature, intercepts = weights
        intents = self.clf.classes_
        for message in messages:
            probabilities = _softmax(intercepts + _row_logits(message, by_feature))
            # Stable, like the stock ``sorted`` on -confidence: ties keep the classes' order.
            order = np.argsort(-probabilities, kind="stable")
            ranking = [{"name": intents[i], "confidence": probabilities[i]} for i in order]
            intent = ranking[0]
            if self.config[RANKING_LENGTH] > 0:
                ranking = ranking[: self.config[RANKING_LENGTH]]
            message.set("intent", intent, add_to_output=True)
            message.set("intent_ranking", ranking, add_to_output=True)
        return messages


def _multinomial_weights(clf: LogisticRegression) -> tuple[np.ndarray, np.ndarray] | None:
    """(weights as features x classes, intercepts) when sklearn scores ``clf`` with a softmax; else None."""
    if not hasattr(clf, "coef_"):
        return None  # not trained (no intent examples): the stock code says so
    # sklearn 1.1's own test in LogisticRegression.predict_proba.
    ovr = clf.multi_class in ("ovr", "warn") or (
        clf.multi_class == "auto" and (clf.classes_.size <= 2 or clf.solver == "liblinear")
    )
    if ovr:
        return None
    cached = getattr(clf, "_rasa_addons_by_feature", None)
    if cached is None or cached[0] is not clf.coef_:
        cached = (clf.coef_, np.ascontiguousarray(clf.coef_.T), np.asarray(clf.intercept_))
        clf._rasa_addons_by_feature = cached
    return cached[1], cached[2]


def _row_logits(message: Message, by_feature: np.ndarray) -> np.ndarray:
    """The message's sentence features (sparse ones first, then dense, as stock) times the weights."""
    sparse: list[Features] = []
    dense: list[Features] = []
    for features in message.features:
        if features.attribute == TEXT and features.type == SENTENCE:
            (sparse if features.is_sparse() else dense).append(features)
    logits = np.zeros(by_feature.shape[1])
    offset = 0
    for features in sparse:
        row = scipy.sparse.coo_matrix(features.features)
        if row.nnz:
            logits += _times(row.data, by_feature[offset + row.col])
        offset += row.shape[1]
    if dense:
        vector = np.concatenate([np.asarray(f.features, dtype=float).reshape(-1) for f in dense])
        logits += _times(vector, by_feature[offset : offset + vector.size])
        offset += vector.size
    if offset != by_feature.shape[0]:
        raise ValueError(
            f"the message has {offset} sentence features, the intent classifier was trained on "
            f"{by_feature.shape[0]}: retrain the model (make setup)"
        )
    return logits


def _times(vector: np.ndarray, weights: np.ndarray) -> Any:
    # Not ``@``: a matrix product goes to OpenBLAS, whose threads then spin on both cores for a
    # product this small (+1 ms of CPU a message, measured); einsum runs it on this thread.
    return np.einsum("i,ij->j", vector, weights)


def _softmax(logits: np.ndarray) -> Any:
    # sklearn.utils.extmath.softmax on one row.
    shifted = np.exp(logits - logits.max())
    return shifted / shifted.sum()

"""A dialogue policy that waits for the customer after any bot action that no rule continues.

Actions here chain with ``FollowupAction`` (a complaint that asks something is
answered by ``action_answer_question``; a search that is no search goes to the
answering action). After such a chain the tracker is in a state no rule was
written for, and RulePolicy then predicts its core fallback, which answers
"Sorry, I didn't get that" *after* the customer was already answered (and reverts
their message). This policy predicts ``action_listen`` there, just above the
fallback's confidence, so any rule still wins, and after a customer message
(where the fallback is meant to answer) it has no opinion.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT], is_trainable=True
)
class ListenAfterActionPolicy(Policy):
    """Predicts ``action_listen`` after a bot action, with a confidence just above RulePolicy's fallback."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Below every other policy's priority.

        ``confidence`` must exceed RulePolicy's core_fallback_threshold.
        """
        return {"priority": 1, "confidence": 0.35}

    def train(
        self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        """Nothing to learn."""
        return self._resource

    def predict_action_probabilities(
        self, tracker: DialogueStateTracker, domain: Domain, rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:  # fmt: skip
        """``action_listen`` after a bot action, no opinion after a customer message."""
        probabilities = self._default_predictions(domain)
        if tracker.latest_action_name not in (ACTION_LISTEN_NAME, None):
            probabilities[domain.index_for_action(ACTION_LISTEN_NAME)] = self.config["confidence"]
        return self._prediction(probabilities)

"""A dialogue policy that hands the conversation to a person when the action server says so.

On every customer message, the action server's ``action_validate_slot_mappings``
reads the message's emotion and applies the escalation policy (escalation.yml).
When it decides on a handoff it sets the slot ``handoff_due``; this policy then
predicts the handoff action before any rule or story can answer.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT], is_trainable=True
)
class HandoffPolicy(Policy):
    """Predicts ``action`` with certainty right after a message that set ``slot`` to true."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        """Above RulePolicy's priority (6): a due handoff wins over any rule."""
        return {"priority": 7, "slot": "handoff_due", "action": "action_request_handoff"}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> None:
        super().__init__(config, model_storage, resource, execution_context, **kwargs)

    def train(
        self, training_trackers: list[TrackerWithCachedStates], domain: Domain, **kwargs: Any
    ) -> Resource:
        """Nothing to learn: the decision is made by the action server."""
        return self._resource

    def predict_action_probabilities(
        self, tracker: DialogueStateTracker, domain: Domain, rule_only_data: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:  # fmt: skip
        """The handoff action when due, else no opinion (all zeros)."""
        probabilities = self._default_predictions(domain)
        due = (
            tracker.latest_action_name == ACTION_LISTEN_NAME and tracker.get_slot(self.config["slot"]) is True
        )
        if due and not tracker.is_paused():
            probabilities[domain.index_for_action(self.config["action"])] = 1.0
            # Marked as a no-user prediction so that it also outranks a form's
            # happy-path prediction, which RulePolicy marks that way.
            return self._prediction(probabilities, is_no_user_prediction=True)
        return self._prediction(probabilities)

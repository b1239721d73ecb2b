"""After a bot action no rule continues, the assistant waits for the customer.

After a message it has no opinion.
"""

from __future__ import annotations

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_addons.listen_policy import ListenAfterActionPolicy

DOMAIN = Domain.from_yaml(
    """
intents: [complaint]
actions: [action_respond_to_complaint, action_answer_question]
"""
)


def _policy(tmp_path) -> ListenAfterActionPolicy:  # type: ignore[no-untyped-def]
    return ListenAfterActionPolicy.create(
        ListenAfterActionPolicy.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("listen"),
        ExecutionContext(GraphSchema({}), "test"),
    )


def _tracker(*events) -> DialogueStateTracker:  # type: ignore[no-untyped-def]
    return DialogueStateTracker.from_events("c", [ActionExecuted(ACTION_LISTEN_NAME), *events])


def test_after_a_chain_of_actions_it_listens(tmp_path) -> None:  # type: ignore[no-untyped-def]
    tracker = _tracker(
        UserUttered("is there nothing I can do??", {"name": "complaint"}),
        ActionExecuted("action_respond_to_complaint"),
        ActionExecuted("action_answer_question"),
    )
    prediction = _policy(tmp_path).predict_action_probabilities(tracker, DOMAIN)
    listen = DOMAIN.index_for_action(ACTION_LISTEN_NAME)
    # Above RulePolicy's core fallback (0.3), below any rule (1.0).
    assert prediction.probabilities[listen] == 0.35
    assert max(prediction.probabilities) == 0.35


def test_after_a_customer_message_it_has_no_opinion(tmp_path) -> None:  # type: ignore[no-untyped-def]
    tracker = _tracker(UserUttered("blorp", {"name": "complaint"}))
    prediction = _policy(tmp_path).predict_action_probabilities(tracker, DOMAIN)
    assert max(prediction.probabilities) == 0.0

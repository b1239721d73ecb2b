"""Code that runs inside the Rasa server (Python 3.10, Rasa 3.6), not the action server.

- ``action_validation``: validates action-server responses with a schema compiled once.
- ``action_connections``: one pooled HTTP session per worker for the action-server calls.
- ``domain_digest``: action calls carry the domain's digest; the domain only when asked.
- ``intent_classifier``: Rasa's logistic regression, scoring one message without scipy matrices.
- ``slot_copies``: slots copied directly, not through pickling, whenever a tracker is built.
- ``rule_matching``, ``debug_copies``: RulePolicy's rule lookup stopped past its longest
  rule, and no deep copies for debug log lines that are filtered out (per-turn speed).
- ``action_failures``: a custom action that cannot run still leaves the customer a reply.
- ``handoff_policy``: runs the handoff the action server's escalation policy decided.
- ``minilm_featurizer``: all-MiniLM-L6-v2 sentence features via ONNX (no torch here).
- ``socketio_channel``: Rasa's socket.io channel with emits shared between workers over
  Redis and agent messages marked as such (``bot/credentials.yml``).
- ``event_broker``: every tracker event to the ``cs:events`` stream for the live consoles.
- ``lock_store``: Rasa's Redis lock store, re-checked every 50 ms instead of every second.
- ``metrics``, ``operations``: Prometheus metrics of every message, and ``/healthz``,
  ``/readyz``, ``/metrics`` on the app Rasa builds (docs/operations.md).
- ``__main__``: ``python -m rasa_addons ...`` is the ``rasa`` command with those
  additions applied; the stack starts the Rasa server through it.
"""

"""Code that runs inside the Rasa server (Python 3.10, Rasa 3.6), not the action server.

- ``action_validation``: validates action-server responses with a schema compiled once.
- ``action_failures``: a custom action that cannot run still leaves the customer a reply.
- ``handoff_policy``: runs the handoff the action server's escalation policy decided.
- ``minilm_featurizer``: all-MiniLM-L6-v2 sentence features via ONNX (no torch here).
- ``__main__``: ``python -m rasa_addons ...`` is the ``rasa`` command with those
  additions applied; the stack starts the Rasa server through it.
"""

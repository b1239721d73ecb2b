"""Code that runs inside the Rasa server (Python 3.10, Rasa 3.6), not the action server.

- ``action_validation``: validates action-server responses with a schema compiled once.
- ``__main__``: ``python -m rasa_addons ...`` is the ``rasa`` command with those
  additions applied; the stack starts the Rasa server through it.
"""

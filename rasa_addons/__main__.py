"""``python -m rasa_addons <rasa arguments>``: the ``rasa`` CLI with our additions."""

from __future__ import annotations

from rasa.__main__ import main

from rasa_addons import action_failures, action_validation

if __name__ == "__main__":
    action_validation.install()
    action_failures.install()
    main()

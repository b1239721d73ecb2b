"""Exceptions raised by the web app."""

from actions.errors import AssistantError


class WebSetupError(AssistantError):
    """The web app cannot start because a local setup step is missing."""

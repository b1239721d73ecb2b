"""Exceptions raised by the web app."""


class WebSetupError(RuntimeError):
    """The web app cannot start because a local setup step is missing."""

"""Brightcart chat web app: a minimal page that talks to Rasa over socket.io."""

from web.errors import WebSetupError

__all__ = ["WebSetupError"]

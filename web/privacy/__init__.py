"""The admin's privacy page: a customer's data looked up, exported and erased from the console."""

from web.privacy.routes import privacy_routes

__all__ = ["privacy_routes"]

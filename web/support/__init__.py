"""The support lead's view: the team's first-reply and handle times, re-contacts and CSAT."""

from web.support.routes import support_routes

__all__ = ["support_routes"]

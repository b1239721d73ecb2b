"""The marketer console: offer rules (edit, version, roll back, preview) and the dashboard."""

from web.marketing.routes import marketing_routes

__all__ = ["marketing_routes"]

"""The web app: REST API, server-rendered pages, figures. ``create_app`` builds it."""

from web.app import add_template_dir, create_app

__all__ = ["add_template_dir", "create_app"]

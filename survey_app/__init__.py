"""The SIPAS web application: citizen pages, admin pages, CLI, database models, exports."""

from survey_app.app_factory import create_app

__all__ = ["create_app"]

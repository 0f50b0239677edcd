"""The SIPAS web application: citizen pages, admin pages, CLI, database models, exports.

``create_app`` is imported on first use (PEP 562), so the file services and ``sipas --help``
load neither Flask nor SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from survey_app.app_factory import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from survey_app.app_factory import create_app

        return create_app
    raise AttributeError(f"module 'survey_app' has no attribute {name!r}")

"""Fixtures of the scoring_bridge tests: the tiny hand-made catalog and the shipped catalogs."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring_bridge import Catalog, load_catalog, load_catalog_file

HERE = Path(__file__).parent
UNIT_TYPES = ("department", "district", "commune")


@pytest.fixture(scope="session")
def tiny() -> Catalog:
    """catalogs/valid/tiny.json: areas 1 (40) and 8 (60), split 60/40.

    1 (40) = 1.1 (30: 1.1.1 = 10, 1.1.2 = 20, appraisal) + 1.2 (10, appraisal, no subs)
    8 (60) = 8.1 (25, sipas, no subs) + 8.2 (35: 8.2.1 = 15 ministry_survey, 8.2.2 = 20 appraisal)
    appraisal 10 + 20 + 10 + 20 = 60; survey 25 + 15 = 40.
    """
    return load_catalog_file(HERE / "catalogs" / "valid" / "tiny.json").unwrap()


@pytest.fixture(scope="session")
def shipped() -> dict[str, Catalog]:
    """The shipped 2023 catalogs by unit type."""
    return {t: load_catalog(t, 2023).unwrap() for t in UNIT_TYPES}

"""PAR-index scoring files: reads catalogs, points and units (CSV, XLSX) into scoring_bridge
objects, never raising on a bad file; writes catalogs, points templates, rankings and workbooks."""

from survey_app.par.files.catalogs import (
    catalog_csv,
    catalog_xlsx,
    catalogs_json,
    read_catalog_csv,
    read_catalog_xlsx,
    read_catalogs_csv,
    read_catalogs_json,
)
from survey_app.par.files.common import CsvSource
from survey_app.par.files.outputs import (
    NOT_RANKED,
    PREVIOUS_YEAR_CELL,
    PREVIOUS_YEAR_NOTE,
    RANKING_AREAS,
    RANKING_TITLE,
    ranking_columns,
    ranking_csv,
    ranking_json,
    ranking_rows,
    score_workbook,
)
from survey_app.par.files.points import (
    POINTS_COLUMNS,
    Basis,
    LeafPoints,
    PointsByUnit,
    check_points,
    points_xlsx_template,
    read_points_csv,
    read_points_xlsx,
    read_scoring_points,
)
from survey_app.par.files.sheets import (
    APPENDIX_HEADER,
    TITLE,
    WARNING_MARK,
    Cells,
    sheet_title,
)
from survey_app.par.files.units import UNITS_COLUMNS, read_scoring_units_csv

__all__ = [
    "APPENDIX_HEADER",
    "NOT_RANKED",
    "POINTS_COLUMNS",
    "PREVIOUS_YEAR_CELL",
    "PREVIOUS_YEAR_NOTE",
    "RANKING_AREAS",
    "RANKING_TITLE",
    "TITLE",
    "UNITS_COLUMNS",
    "WARNING_MARK",
    "Basis",
    "Cells",
    "CsvSource",
    "LeafPoints",
    "PointsByUnit",
    "catalog_csv",
    "catalog_xlsx",
    "catalogs_json",
    "check_points",
    "points_xlsx_template",
    "ranking_columns",
    "ranking_csv",
    "ranking_json",
    "ranking_rows",
    "read_catalog_csv",
    "read_catalog_xlsx",
    "read_catalogs_csv",
    "read_catalogs_json",
    "read_points_csv",
    "read_points_xlsx",
    "read_scoring_points",
    "read_scoring_units_csv",
    "score_workbook",
    "sheet_title",
]

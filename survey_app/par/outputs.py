"""Glue between the PAR report and files: the score's outputs, and file options of ``sipas score``.

The SIPAS results file is the analysis contract (``results_files``): its ``overall`` rows with key
``SIPAS`` (and no group) give each unit's estimate and interval in percent.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from scoring_bridge import Catalog, Problem, SipasFigure, load_rule81_file
from survey_app.csv_files import read_table
from survey_app.i18n import vi_en
from survey_app.par.bridge_words import translated_result
from survey_app.par.files import (
    check_points,
    ranking_csv,
    ranking_json,
    read_catalogs_csv,
    read_catalogs_json,
    read_scoring_points,
    read_scoring_units_csv,
    score_workbook,
)
from survey_app.par.report import ScoreReport, ScoringInputs, ScoringUnit


def _names(report: ScoreReport) -> dict[str, str]:
    return {code: unit.name for code, unit in report.units.items()}


def _points(report: ScoreReport) -> dict[str, dict[str, tuple[object, ...]]]:
    """unit → leaf → (self, final, note) as used, 8.1 included; a leaf that does not apply
    (None, None, "", True)."""
    out: dict[str, dict[str, tuple[object, ...]]] = {}
    for code in report.scores:
        own = report.inputs.self_points.get(code, {})
        final = dict(report.inputs.points.get(code, {}))
        previous = report.inputs.previous_points.get(code, {})
        for leaf, value in previous.items():
            final.setdefault(leaf, value)
        if code in report.points81:
            final["8.1"] = report.points81[code][0].points
        out[code] = {leaf: (own.get(leaf), value, "") for leaf, value in final.items()}
        for leaf in report.scores[code].not_applicable:
            out[code][leaf] = (None, None, "", True)
    return out


def report_csv(report: ScoreReport) -> str:
    return ranking_csv(report.ranking, _names(report))


def report_json(report: ScoreReport) -> str:
    return ranking_json(report.ranking, _names(report))


def report_xlsx(report: ScoreReport, target: Path | None = None) -> bytes:
    """The results workbook as bytes, or written to ``target`` (then b"")."""
    notes = list(report.notes) + [
        f"8.1 {code}: {p.rule_text}; SIPAS {fig.estimate:.1f} % "
        f"({fig.ci_low:.1f}–{fig.ci_high:.1f}), {source}"
        for code, (p, fig, source) in sorted(report.points81.items())
    ]
    return score_workbook(
        list(report.catalogs.values()),
        list(report.scores.values()),
        report.ranking,
        _names(report),
        _points(report),
        notes,
        target=target,
    )


def write_report(report: ScoreReport, out: Path) -> None:
    suffix = out.suffix.lower()
    if suffix == ".xlsx":
        report_xlsx(report, target=out)
    elif suffix == ".json":
        out.write_text(report_json(report), encoding="utf-8")
    else:
        out.write_text(report_csv(report), encoding="utf-8")


def read_sipas_results(path: Path) -> tuple[dict[str, SipasFigure], list[Problem]]:
    """Each unit's overall SIPAS figure from a results file as ``sipas analyze`` writes it (CSV,
    XLSX's ``results`` sheet or JSON); suppressed rows are left out."""
    figures: dict[str, SipasFigure] = {}
    problems: list[Problem] = []
    if path.suffix.lower() == ".sav":
        return {}, [
            Problem(
                "file",
                vi_en("hãy đọc kết quả dạng CSV, XLSX hoặc JSON, không phải SPSS .sav"),
            )
        ]
    header, rows, found = read_table(path, sheet="results")
    if found:
        return {}, [Problem(f"row {p.row}" if p.row else "file", p.message) for p in found]
    needed = {"unit_code", "level", "key", "estimate", "ci_low", "ci_high"}
    missing = needed - set(header)
    if missing:
        return {}, [
            Problem(
                "row 1",
                vi_en(
                    "không phải tệp kết quả SIPAS: thiếu các cột %(columns)s",
                    columns=", ".join(sorted(missing)),
                ),
            )
        ]
    for number, row in enumerate(rows, start=2):
        if row["level"] != "overall" or row["key"] != "SIPAS" or row.get("group"):
            continue
        if not row["estimate"]:
            continue
        try:
            figures[row["unit_code"]] = SipasFigure(
                float(row["estimate"]), float(row["ci_low"]), float(row["ci_high"])
            )
        except ValueError:
            problems.append(
                Problem(
                    f"row {number}",
                    vi_en(
                        "estimate, ci_low, ci_high (%(values)s) phải là các số từ 0 đến 100, "
                        "ci_low ≤ estimate ≤ ci_high",
                        values=", ".join(row[k] for k in ("estimate", "ci_low", "ci_high")),
                    ),
                )
            )
    return figures, problems


def inputs_with_files(
    inputs: ScoringInputs,
    *,
    units: Path | None,
    catalog: Path | None,
    points: Path | None,
    sipas: Path | None,
    rule: Path | None,
) -> tuple[ScoringInputs, list[Problem]]:
    """The database's inputs with the parts given as files replaced by them."""
    problems: list[Problem] = []
    if units is not None:
        rows, found = read_scoring_units_csv(units)
        problems += found
        inputs = replace(inputs, units=[ScoringUnit(c, n, t, r) for c, n, t, r in rows])
    if catalog is not None:
        if catalog.suffix.lower() == ".json":
            results = read_catalogs_json(catalog.read_bytes(), year=inputs.year)
            results = {k: v.located_in(catalog.name) for k, v in results.items()}
        else:
            results = read_catalogs_csv(catalog, year=inputs.year)
        catalogs: dict[str, Catalog] = dict(inputs.catalogs)
        for unit_type, result in results.items():
            problems += list(result.problems)
            if result.value is not None:
                catalogs[unit_type] = result.value
        inputs = replace(inputs, catalogs=catalogs)
    if rule is not None:
        result = translated_result(load_rule81_file(rule))
        problems += list(result.problems)
        if result.value is not None:
            inputs = replace(inputs, rules={**inputs.rules, result.value.unit_type: result.value})
    if points is not None:
        (final, own, marks), found = read_scoring_points(points)
        problems += found
        types = {u.code: u.unit_type for u in inputs.units}
        unknown = sorted(set(own) - set(types))
        problems += [
            Problem(f"unit {code}", vi_en("không có đơn vị này trong danh sách đơn vị"))
            for code in unknown
        ]
        inputs = replace(inputs, points=final, self_points=own, not_applicable=marks)
    if sipas is not None:
        figures, found = read_sipas_results(sipas)
        problems += found
        inputs = replace(inputs, sipas={c: (f, f"file {sipas.name}") for c, f in figures.items()})
    return inputs, problems


__all__ = ["check_points", "inputs_with_files", "read_sipas_results", "write_report"]

"""Every file the product writes it can read back, with no database (issue 13, item 5): results
(CSV, XLSX, JSON) into ``sipas score --sipas``, plans (CSV, XLSX, JSON) into ``sipas draw``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from survey_app.cli.main import main
from survey_app.par.outputs import read_sipas_results


@pytest.fixture
def sipas(tmp_path: Path):
    """``sipas ARGS`` with DATABASE_URL naming a file in a folder that does not exist."""
    runner = CliRunner()
    url = f"sqlite:///{tmp_path / 'no-database-here' / 'sipas.sqlite'}"

    def run(*args: str) -> Result:
        result = runner.invoke(main, list(args), env={"DATABASE_URL": url})
        assert result.exception is None or isinstance(result.exception, SystemExit), result.output
        return result

    yield run
    assert not (tmp_path / "no-database-here").exists()


def test_results_in_every_format_feed_the_score(
    sipas, round_trip_files: dict[str, Path], tmp_path: Path
) -> None:
    files = round_trip_files
    figures = {}
    rankings = {}
    for suffix in ("csv", "xlsx", "json"):
        results = tmp_path / f"results.{suffix}"
        done = sipas(
            "analyze", "--responses", str(files["responses"]), "--units", str(files["units"]),
            "--populations", str(files["populations"]), "--questionnaire", "sipas-2023@1",
            "--out", str(results),
        )  # fmt: skip
        assert done.exit_code == 0, done.output
        assert (
            " dòng kết quả (trung bình các tiêu chí (mỗi câu hỏi nặng như nhau); khoảng tin cậy "
            f"logit) ghi vào {results} / "
        ) in done.output  # the method in words, not its codes
        assert (
            " result rows (mean of the items (each item weighs the same); logit confidence "
            f"interval) written to {results}"
        ) in done.output
        found, problems = read_sipas_results(results)
        assert not problems and set(found) == {"SNV", "BDT", "department", "ALL"}
        figures[suffix] = found
        ranking = tmp_path / f"ranking-{suffix}.json"
        done = sipas(
            "score", "--year", "2023", "--units", str(files["units"]), "--points",
            str(files["points"]), "--sipas", str(results), "--out", str(ranking),
        )  # fmt: skip
        assert done.exit_code == 0, done.output
        rankings[suffix] = json.loads(ranking.read_text(encoding="utf-8"))
    for suffix in ("xlsx", "json"):
        for code, figure in figures["csv"].items():
            other = figures[suffix][code]
            assert other.estimate == pytest.approx(figure.estimate, abs=1e-6)
            assert other.ci_low == pytest.approx(figure.ci_low, abs=1e-6)
        assert [r["unit_code"] for r in rankings[suffix]] == [
            r["unit_code"] for r in rankings["csv"]
        ]
        for mine, theirs in zip(rankings[suffix], rankings["csv"], strict=True):
            assert mine["total_points"] == pytest.approx(theirs["total_points"], abs=1e-6)
    assert {r["unit_code"] for r in rankings["csv"]} == {"SNV", "BDT"}
    assert rankings["csv"][0]["unit_code"] == "SNV"  # 90 % of every maximum against 80 %


def test_an_spss_results_file_is_refused_with_a_message(
    sipas, round_trip_files: dict[str, Path], tmp_path: Path
) -> None:
    files = round_trip_files
    results = tmp_path / "results.sav"
    args = ("--questionnaire", "sipas-2023@1", "--out", str(results))
    assert sipas("analyze", "--responses", str(files["responses"]), *args).exit_code == 0
    done = sipas(
        "score", "--year", "2023", "--units", str(files["units"]), "--points",
        str(files["points"]), "--sipas", str(results), "--out", str(tmp_path / "r.csv"),
    )  # fmt: skip
    assert done.exit_code == 1 and "not SPSS .sav" in done.output


def test_plans_in_every_format_feed_the_draw(
    sipas, round_trip_files: dict[str, Path], tmp_path: Path
) -> None:
    files = round_trip_files
    samples = {}
    for suffix in ("csv", "xlsx", "json"):
        plan = tmp_path / f"plan.{suffix}"
        done = sipas("plan", "--populations", str(files["populations"]), "--out", str(plan))
        assert done.exit_code == 0, done.output
        sample = tmp_path / f"sample-{suffix}.csv"
        done = sipas(
            "draw", "--frame", str(files["frame"]), "--plan", str(plan), "--seed", "7",
            "--out", str(sample),
        )  # fmt: skip
        assert done.exit_code == 0, done.output
        samples[suffix] = sample.read_text(encoding="utf-8")
    assert samples["csv"] == samples["xlsx"] == samples["json"]
    assert (
        samples["csv"].count(",false") == 270 + 169
    )  # Cochran with FPC: ⌈269.4⌉ for N = 900, ⌈168.7⌉ for 300


def test_every_unit_without_a_population_is_named_at_once(
    sipas, round_trip_files: dict[str, Path], tmp_path: Path
) -> None:
    files = round_trip_files
    only_one = tmp_path / "populations.csv"
    only_one.write_text("unit_code,population\nXYZ,50\n", encoding="utf-8")
    done = sipas(
        "analyze", "--responses", str(files["responses"]), "--questionnaire", "sipas-2023@1",
        "--populations", str(only_one), "--out", str(tmp_path / "r.csv"),
    )  # fmt: skip
    assert done.exit_code == 1
    for unit in ("BDT", "SNV"):
        assert (
            f"đơn vị {unit!r} có câu trả lời nhưng chưa có số hồ sơ (số hồ sơ đã giải quyết) / "
            f"unit {unit!r} has answers but no population"
        ) in done.output
    assert "2 error(s)" in done.output and not (tmp_path / "r.csv").exists()


def test_the_clis_copies_of_choices_agree_with_their_sources() -> None:
    """plan --method and analyze --channels are written out so that --help loads no scipy and no
    SQLAlchemy; they must stay the same as the lists they copy."""
    from sampling import PLAN_METHODS
    from survey_app.cli import planning, results
    from survey_app.db.models import CHANNELS, VERIFIED_CHANNELS

    assert planning.PLAN_METHODS == PLAN_METHODS
    assert tuple(CHANNELS) == results.CHANNELS
    assert tuple(VERIFIED_CHANNELS) == results.VERIFIED_CHANNELS

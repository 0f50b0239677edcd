"""Files as an operator has them on a fresh machine, for the ``sipas`` round trips."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from scoring_bridge import load_catalog

ROOT = Path(__file__).resolve().parents[3]
ITEMS = [f"q{n}" for n in range(15, 34)]


@pytest.fixture
def round_trip_files(tmp_path: Path) -> dict[str, Path]:
    """populations, a dossier frame, a responses export (60 answers for SNV, 40 for BDT), the
    units and full 2023 points of both (department catalog), a valid questionnaire."""
    folder = tmp_path / "inputs"
    folder.mkdir()
    rng = random.Random(13)
    files = {name: folder / f"{name}.csv" for name in ("populations", "frame", "responses")}
    files["populations"].write_text("unit_code,population\nSNV,900\nBDT,300\n", encoding="utf-8")
    frame = ["dossier_code,unit_code"] + [f"HS-{i},{'SNV' if i % 3 else 'BDT'}" for i in range(900)]
    files["frame"].write_text("\n".join(frame) + "\n", encoding="utf-8")
    header = ["response_id", "unit_code", "questionnaire", "questionnaire_version", *ITEMS]
    lines = [",".join(header)]
    for number in range(100):
        unit = "SNV" if number < 60 else "BDT"
        answers = [str(rng.choice((2, 3, 4, 4, 5, 5, 5))) for _ in ITEMS]
        lines.append(",".join([str(number + 1), unit, "sipas-2023", "1", *answers]))
    files["responses"].write_text("\n".join(lines) + "\n", encoding="utf-8")
    files["units"] = folder / "units.csv"
    files["units"].write_text(
        "code,name,unit_type,ranked\n"
        "SNV,Sở Nội vụ,department,true\n"
        "BDT,Ban Dân tộc,department,true\n",
        encoding="utf-8",
    )
    catalog = load_catalog("department", 2023).unwrap()
    points = ["unit_code,code,self_points,final_points,note"]
    for unit, share in (("SNV", 0.9), ("BDT", 0.8)):
        for leaf in catalog.leaves:
            if leaf.source != "sipas":
                points.append(f"{unit},{leaf.code},{leaf.max_points},{leaf.max_points * share},")
    files["points"] = folder / "points.csv"
    files["points"].write_text("\n".join(points) + "\n", encoding="utf-8")
    files["questionnaire"] = ROOT / "questionnaires" / "definitions" / "sipas-2023" / "1.json"
    return files

"""The shipped definitions: lookup, caching, content, and the published-version checksum guard."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from questionnaires import registry
from questionnaires.model import SIPAS_SCALE, Questionnaire
from questionnaires.registry import (
    UnknownQuestionnaire,
    checksum_mismatches,
    get_questionnaire,
    latest,
    shipped,
)

ELEMENT_TITLES = [
    "Tiếp cận dịch vụ",
    "Thủ tục hành chính",
    "Công chức trực tiếp giải quyết công việc",
    "Kết quả giải quyết thủ tục hành chính",
    "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị",
]
# (item id, its element, the start and end of its Vietnamese text): sipas-methodology.md §3.
ITEMS = [
    ("q15", "E1", "Cơ quan cung cấp thông tin", "dễ hiểu đối với mọi người dân."),
    ("q16", "E1", "Trụ sở cơ quan tiếp nhận hồ sơ", "có biển hiệu, hướng dẫn rõ ràng, dễ thấy."),
    ("q17", "E1", "Trụ sở cơ quan tiếp nhận hồ sơ", "sạch sẽ, văn minh."),
    ("q18", "E1", "Trang thiết bị phục vụ người dân", "giải quyết công việc dễ dàng hơn."),
    ("q19", "E2", "Quy định thủ tục hành chính được niêm yết", "dễ thấy, dễ hiểu."),
    ("q20", "E2", "Thành phần hồ sơ người dân phải nộp", "là đúng quy định."),
    ("q21", "E2", "Mức phí/lệ phí người dân phải nộp", "là đúng quy định."),
    ("q22", "E2", "Thời hạn giải quyết thủ tục hành chính", "là đúng quy định."),
    ("q23", "E3", "Công chức có thái độ giao tiếp lịch sự", "tôn trọng đối với người dân."),
    ("q24", "E3", "Công chức cung cấp thông tin", "các câu hỏi, ý kiến của người dân."),
    ("q25", "E3", "Công chức hướng dẫn hồ sơ dễ hiểu", "sau một lần hướng dẫn."),
    ("q26", "E3", "Công chức tuân thủ đúng quy định", "giải quyết công việc cho người dân."),
    ("q27", "E3", "Công chức tận tình đối với người dân", "trong quá trình giải quyết công việc."),
    ("q28", "E4", "Kết quả giải quyết thủ tục hành chính", "được trả đúng hẹn."),
    ("q29", "E4", "Kết quả giải quyết thủ tục hành chính", "có thông tin đầy đủ, chính xác."),
    ("q30", "E4", "Kết quả giải quyết thủ tục hành chính", "đảm bảo tính công bằng."),
    ("q31", "E5", "Cơ quan có bố trí hình thức tiếp nhận", "phản ánh, kiến nghị dễ dàng."),
    ("q32", "E5", "Cơ quan tiếp nhận, xử lý phản ánh", "của người dân đúng quy định."),
    ("q33", "E5", "Cơ quan thông báo kết quả xử lý", "cho người dân kịp thời."),
]


def test_shipped_lists_sipas_2023_v1() -> None:
    assert ("sipas-2023", 1) in shipped()
    assert shipped() == sorted(shipped())


def test_get_questionnaire_is_cached() -> None:
    first = get_questionnaire("sipas-2023", 1)
    assert isinstance(first, Questionnaire)
    assert get_questionnaire("sipas-2023", 1) is first


def test_latest() -> None:
    versions = [v for qid, v in shipped() if qid == "sipas-2023"]
    assert latest("sipas-2023").version == max(versions)


@pytest.mark.parametrize(
    ("qid", "version"), [("sipas-2023", 99), ("nope", 1), ("sipas-2023", True)]
)
def test_unknown_questionnaire(qid: str, version: int) -> None:
    with pytest.raises(KeyError) as info:
        get_questionnaire(qid, version)
    assert isinstance(info.value, UnknownQuestionnaire)
    message = str(info.value)
    assert message.startswith(f"no shipped questionnaire {qid} v{version}; available: ")
    assert "sipas-2023 v1" in message


def test_latest_of_unknown_id() -> None:
    with pytest.raises(UnknownQuestionnaire, match="no shipped questionnaire nope; available"):
        latest("nope")


def test_sipas_2023_content() -> None:
    q = get_questionnaire("sipas-2023", 1)
    assert q.languages == ("vi", "en")
    assert q.title.vi.startswith("Phiếu khảo sát sự hài lòng của người dân, tổ chức")
    assert [e.id for e in q.elements] == ["E1", "E2", "E3", "E4", "E5"]
    assert [e.title.vi for e in q.elements] == ELEMENT_TITLES
    assert [(i, q.element_of(i).id) for i, *_ in ITEMS] == [(i, e) for i, e, *_ in ITEMS]
    assert q.item_ids == tuple(f"q{n}" for n in range(15, 34))
    for item_id, _, start, end in ITEMS:
        text = q.item(item_id).text.vi
        assert text.startswith(start) and text.endswith(end), item_id
    assert all(item.required for item in q.items)
    assert all(item.text.get("en") != item.text.vi for item in q.items)
    assert q.scale == SIPAS_SCALE
    assert q.comment is not None and q.comment.max_length == 2000
    assert q.service_field is not None and not q.service_field.required
    assert {"dat_dai", "ho_tich", "chung_thuc", "khac"} <= set(q.service_field.option_codes)
    demographics = {d.id: d.option_codes for d in q.demographics}
    assert demographics["gender"] == ("nam", "nu")
    assert demographics["age_group"] == ("18_25", "26_34", "35_49", "50_60", "tren_60")
    assert demographics["residence"] == ("do_thi", "nong_thon")
    assert demographics["visit"] == ("lan_dau", "nhieu_lan")
    assert not any(d.required for d in q.demographics)


def test_privacy_note_names_what_is_not_recorded() -> None:
    note = get_questionnaire("sipas-2023", 1).privacy_note
    for word in ("họ tên", "số điện thoại", "thư điện tử", "IP"):
        assert word in note.vi
    for word in ("name", "phone number", "e-mail", "IP address"):
        assert word in note.get("en")


def test_shipped_files_are_readable_json() -> None:
    for qid, version in shipped():
        raw = registry.definitions_root().joinpath(qid, f"{version}.json").read_bytes()
        assert b"\r\n" not in raw
        text = raw.decode("utf-8")
        assert text == json.dumps(json.loads(text), ensure_ascii=False, indent=2) + "\n"


def test_published_versions_never_change() -> None:
    mismatches = checksum_mismatches()
    assert not mismatches, "\n".join(mismatches)


def _copy_definitions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "definitions"
    shutil.copytree(Path(str(registry.definitions_root())), root)
    monkeypatch.setattr(registry, "definitions_root", lambda: root)
    registry._shipped.cache_clear()
    monkeypatch.setattr(registry, "_shipped", registry._shipped.__wrapped__)
    return root


def test_checksum_guard_catches_an_edit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _copy_definitions(tmp_path, monkeypatch)
    path = root / "sipas-2023" / "1.json"
    path.write_text(path.read_text(encoding="utf-8").replace("Khác", "Lĩnh vực khác"), "utf-8")
    (message,) = checksum_mismatches()
    assert message.startswith("sipas-2023/1.json changed (sha256 ")
    assert "publish a new version (sipas-2023/2.json) instead" in message


def test_checksum_guard_catches_an_unrecorded_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _copy_definitions(tmp_path, monkeypatch)
    new = root / "sipas-2023" / "2.json"
    shutil.copy(root / "sipas-2023" / "1.json", new)
    digest = hashlib.sha256(new.read_bytes()).hexdigest()
    assert checksum_mismatches() == [
        f"sipas-2023/2.json is not in CHECKSUMS.json: record its sha256 {digest} when publishing it"
    ]


def test_checksum_guard_catches_a_removed_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _copy_definitions(tmp_path, monkeypatch)
    (root / "sipas-2023" / "1.json").unlink()
    assert checksum_mismatches() == [
        "CHECKSUMS.json lists sipas-2023/1.json, which is not shipped: "
        "a published version is never removed"
    ]

"""What the analysis input's checks say, Vietnamese / English: one function per message, so that
the row reader (``analysis_input``, ``table_analysis``) and the columnar one (``responses_checks``)
say exactly the same thing (their tests compare the two on a table of bad files)."""

from __future__ import annotations

from collections.abc import Sequence

from survey_app.i18n import vi_en


def missing_fixed(column: str) -> str:
    """One of the export's fixed columns is missing: likely not a responses export."""
    return vi_en(
        "thiếu cột bắt buộc %(column)r: đây có phải tệp xuất câu trả lời không?", column=column
    )


def missing_item(item: str, questionnaire: str, version: object) -> str:
    """An item column of the questionnaire that the file lacks."""
    return vi_en(
        "thiếu cột câu hỏi %(item)r của %(questionnaire)s v%(version)s",
        item=item,
        questionnaire=questionnaire,
        version=version,
    )


def missing_by(column: str, header: Sequence[str]) -> str:
    """The ``--by`` column is not in the file."""
    return vi_en(
        "không có cột --by %(column)r trong tệp; các cột: %(columns)s",
        column=column,
        columns=", ".join(header),
    )


def missing_cell_column(column: str, header: Sequence[str]) -> str:
    """The ``--cell`` column (post-stratification) is not in the file."""
    return vi_en(
        "không có cột --cell %(column)r trong tệp; các cột: %(columns)s",
        column=column,
        columns=", ".join(header),
    )


def other_questionnaire(found: object, found_version: object, wanted: Sequence[str]) -> str:
    """A row answering another questionnaire or version than the one analysed."""
    return vi_en(
        "câu trả lời cho %(found)s v%(found_version)s, không phải %(wanted)s v%(wanted_version)s",
        found=found,
        found_version=found_version,
        wanted=wanted[0],
        wanted_version=wanted[1],
    )


def not_an_answer(value: str) -> str:
    """An item cell that holds neither 1–5 nor nothing."""
    return vi_en("%(value)r không phải câu trả lời 1–5 (hoặc để trống)", value=value)


def no_responses() -> str:
    """Nothing to analyse."""
    return vi_en("không có câu trả lời nào để phân tích")


def no_channel_column() -> str:
    """Channels asked for, but the file has no ``channel`` column."""
    return vi_en("tệp không có cột 'channel' để chọn theo kênh")


def flagged_needs_a_round() -> str:
    """Leaving out flagged answers needs the database's review state."""
    return vi_en(
        "muốn bỏ các câu trả lời bị đánh dấu thì cần trạng thái xem xét của chúng: hãy phân tích "
        "một đợt trong cơ sở dữ liệu (--round), không phải một tệp"
    )


def uncounted_cell(unit: str, cell: str, rows: Sequence[int], column: str) -> str:
    """Respondents of a unit in a cell without a count, or without a cell (``cell`` empty)."""
    shown = ", ".join(map(str, rows[:10])) + (" …" if len(rows) > 10 else "")
    if cell:
        return vi_en(
            "đơn vị %(unit)s, ô %(cell)r: %(count)s người trả lời (dòng %(rows)s) nhưng tệp số "
            "hồ sơ không có số của ô này: hãy thêm vào, hoặc gộp ô với một ô khác",
            unit=unit,
            cell=cell,
            count=len(rows),
            rows=shown,
        )
    return vi_en(
        "đơn vị %(unit)s: %(count)s người trả lời không có %(column)s (dòng %(rows)s): hậu phân "
        "tầng cần biết ô của từng người trả lời",
        unit=unit,
        count=len(rows),
        column=column,
        rows=shown,
    )

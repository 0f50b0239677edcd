"""The audit log as people read it: actions, roles, targets and details in Vietnamese words.

The log itself keeps its codes (``auth.login``, ``{"fields": [...]}``) and the CSV export keeps
them too (a record other tools read); the page shows these words, the code beside them.
"""

from __future__ import annotations

import re
from typing import Any

ACTIONS: dict[str, str] = {
    "auth.login": "Đăng nhập",
    "auth.logout": "Đăng xuất",
    "admin.export_responses": "Tải dữ liệu phiếu trả lời",
    "plans.plan": "Lập hoặc lưu kế hoạch mẫu",
    "review.bulk": "Loại hoặc khôi phục phiếu",
    "par.unit": "Điều chỉnh điểm hoặc trạng thái Chỉ số CCHC",
    "paper.key": "Nhập phiếu giấy",
    "paper.second": "Nhập lần 2 phiếu giấy",
    "paper.resolve_field": "Xử lý chênh lệch giữa hai lần nhập",
    "audit.download": "Tải nhật ký quản trị",
    "cli.users_create": "Tạo tài khoản (dòng lệnh)",
}
AREAS: dict[str, str] = {
    "admin": "Quản trị",
    "auth": "Đăng nhập",
    "plans": "Kế hoạch mẫu",
    "results": "Kết quả",
    "review": "Kiểm tra phiếu",
    "par": "Chỉ số CCHC",
    "paper": "Phiếu giấy",
    "audit": "Nhật ký",
    "cli": "Dòng lệnh",
}
ROLES: dict[str, str] = {
    "admin": "Quản trị viên",
    "analyst": "Phân tích viên",
    "council": "Hội đồng thẩm định",
    "unit_officer": "Cán bộ đơn vị",
}
DETAIL_KEYS: dict[str, str] = {
    "fields": "các ô đã gửi",
    "action": "thao tác",
    "status": "trạng thái",
    "choice": "lựa chọn",
    "method": "phương pháp",
    "all_matching": "mọi phiếu khớp bộ lọc",
    "criterion": "tiêu chí",
    "filters": "bộ lọc",
    "include_excluded": "kể cả phiếu đã loại",
    "changed": "số phiếu thay đổi",
    "field": "trường",
    "body": "nội dung",
    "role": "vai trò",
    "unit": "đơn vị",
}
TARGET_WORDS = (
    (re.compile(r"\bround\b"), "đợt"),
    (re.compile(r"\ball rounds\b"), "mọi đợt"),
    (re.compile(r"\bunit\b"), "đơn vị"),
    (re.compile(r"\byear\b"), "năm"),
    (re.compile(r"\bform\b"), "phiếu số"),
    (re.compile(r"\buser\b"), "tài khoản"),
)


def action_label(action: str) -> str:
    """``auth.login`` → "Đăng nhập"; an action without a name: its area's name."""
    if action in ACTIONS:
        return ACTIONS[action]
    area = action.partition(".")[0]
    return f"{AREAS[area]}: thao tác khác" if area in AREAS else "Thao tác khác"


def role_label(role: str) -> str:
    return ROLES.get(role, role)


def target_label(target: str) -> str:
    """ "round 3 · unit SNV" → "đợt 3 · đơn vị SNV"."""
    for pattern, word in TARGET_WORDS:
        target = pattern.sub(word, target)
    return target


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, list | tuple):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value(v)}" for k, v in value.items())
    return str(value)


def detail_lines(detail: dict[str, Any] | None) -> list[tuple[str, str]]:
    """The detail as (name people read, value) pairs; values stay as stored (form codes)."""
    return [(DETAIL_KEYS.get(k, k), _value(v)) for k, v in (detail or {}).items()]


def status_label(code: int | None) -> str:
    """What an HTTP status meant for the action."""
    if code is None:
        return ""
    if code < 400:
        return "thành công"
    return {
        400: "yêu cầu không hợp lệ",
        401: "sai mật khẩu",
        403: "không có quyền",
        404: "không tìm thấy",
        409: "xung đột",
        413: "quá lớn",
        422: "dữ liệu chưa hợp lệ",
        429: "quá nhiều lần",
    }.get(code, "lỗi" if code >= 500 else "bị từ chối")

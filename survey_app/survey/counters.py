"""Counters (quầy, bộ phận một cửa) and their permanent short URLs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from survey_app.db.models import Counter, Unit
from survey_app.i18n import N_, text_in, vi_en

COUNTER_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
DEFAULT_COUNTER_NAME = "Bộ phận tiếp nhận và trả kết quả"


class CounterError(ValueError):
    """A counter that cannot be added as asked."""


BASE_URL_UNSET = N_(
    "Chưa đặt BASE_URL: mã QR sẽ trỏ tới http://127.0.0.1:5000, điện thoại của người dân không "
    "mở được. Quản trị viên hãy đặt biến môi trường BASE_URL là địa chỉ công khai của máy chủ "
    "(ví dụ https://sipas.tinh.gov.vn) rồi khởi động lại."
)
"""Why QR codes and posters are refused while BASE_URL is unset (`base_url_unset`)."""


def base_url_unset_words() -> tuple[str, str]:
    """`BASE_URL_UNSET` in Vietnamese and in English."""
    return text_in("vi", BASE_URL_UNSET), text_in("en", BASE_URL_UNSET)


def base_url_unset(config: Mapping[str, Any]) -> bool:
    """True while BASE_URL is the shipped default that nobody chose (``app_factory``): QR codes
    and posters are refused then, since they would carry an address phones cannot reach."""
    return bool(config.get("BASE_URL_IS_DEFAULT", False))


def short_url(base_url: str, counter_code: str) -> str:
    """The permanent address a counter's QR code carries: ``BASE_URL/s/<code>``."""
    return f"{base_url.rstrip('/')}/s/{counter_code}"


def add_counter(
    session: Session, unit: Unit, code: str, name: str = DEFAULT_COUNTER_NAME
) -> Counter:
    """Add a counter to ``unit``; the code is permanent, so it must be new and URL-safe."""
    if not COUNTER_CODE.match(code):
        raise CounterError(
            vi_en(
                "%(code)r không phải là mã quầy hợp lệ: chữ, số, '-' hoặc '_', tối đa 40 ký tự",
                code=code,
            )
        )
    if session.scalar(select(Counter.id).where(Counter.code == code)) is not None:
        raise CounterError(
            vi_en("quầy %(code)r đã có: mã quầy là cố định, hãy chọn mã khác", code=code)
        )
    counter = Counter(code=code, name=name.strip() or DEFAULT_COUNTER_NAME, unit=unit)
    session.add(counter)
    session.flush()
    return counter


def counters_for_units(session: Session, unit_ids: list[int]) -> list[Counter]:
    """Active counters of the given units, by code."""
    return list(
        session.scalars(
            select(Counter)
            .where(Counter.unit_id.in_(unit_ids), Counter.active)
            .order_by(Counter.code)
        )
    )


def rename_counter(counter: Counter, name: str) -> None:
    """Change the name printed on the counter's poster (its code, the QR's address, stays)."""
    name = name.strip()
    if not name:
        raise CounterError(vi_en("quầy cần có tên"))
    if len(name) > 300:
        raise CounterError(vi_en("tên dài %(length)s ký tự; tối đa 300", length=len(name)))
    counter.name = name


def set_counter_active(counter: Counter, active: bool) -> None:
    """Deactivate a counter (its QR code then answers 404; its answers stay) or reactivate it."""
    counter.active = active

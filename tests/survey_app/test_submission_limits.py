"""Both submission limits in one round trip (Redis pipeline), memory when Redis is down."""

from __future__ import annotations

import secrets
import socket

from survey_app.submission_limits import SubmissionLimits

REDIS = "redis://127.0.0.1:6379/15"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _hits(limits: SubmissionLimits, form: str, address: str, n: int) -> list[bool]:
    return [limits.hit(("3 per minute", form), ("5 per minute", address)) for _ in range(n)]


def test_per_form_and_per_address_limits_in_one_pipeline() -> None:
    limits = SubmissionLimits(REDIS)
    address = secrets.token_hex(4)
    assert _hits(limits, "phone-a", address, 4) == [True, True, True, False]
    # another phone behind the same address has its own form limit, until the address's ceiling
    assert _hits(limits, "phone-b", address, 2) == [True, False]  # 5th and 6th from the address
    assert _hits(limits, "phone-c", secrets.token_hex(4), 1) == [True]


def test_redis_down_counts_in_memory_and_never_refuses_for_it() -> None:
    limits = SubmissionLimits(f"redis://127.0.0.1:{_closed_port()}/0")
    assert _hits(limits, "phone", "10.0.0.1", 4) == [True, True, True, False]


def test_memory_storage() -> None:
    limits = SubmissionLimits("memory://")
    assert _hits(limits, "phone", "10.0.0.2", 4) == [True, True, True, False]

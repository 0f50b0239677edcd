"""Both submission limits in one round trip (a Redis script, or a pipeline), memory when Redis is
down."""

from __future__ import annotations

import secrets
import socket

from survey_app.submission_limits import PREFIX, SubmissionLimits

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


def test_the_script_and_the_pipeline_count_alike_each_window_from_its_first_hit() -> None:
    for scripts_refused in (False, True):  # a Redis that refuses scripts gets the pipeline
        limits = SubmissionLimits(REDIS)
        limits.scripts_refused = scripts_refused
        form, address = secrets.token_hex(4), secrets.token_hex(4)
        assert _hits(limits, form, address, 4) == [True, True, True, False]
        assert limits.redis is not None
        assert limits.redis.get(f"{PREFIX}:form:3 per minute:{form}") == b"4"
        assert 55 <= limits.redis.ttl(f"{PREFIX}:address:5 per minute:{address}") <= 60


def test_redis_down_counts_in_memory_and_never_refuses_for_it() -> None:
    limits = SubmissionLimits(f"redis://127.0.0.1:{_closed_port()}/0")
    assert _hits(limits, "phone", "10.0.0.1", 4) == [True, True, True, False]


def test_memory_storage() -> None:
    limits = SubmissionLimits("memory://")
    assert _hits(limits, "phone", "10.0.0.2", 4) == [True, True, True, False]

"""deploy/gunicorn.conf.py warns at start about limits that do not hold (issue 11, item 8)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from support import ROOT

CONF = ROOT / "deploy" / "gunicorn.conf.py"


class _Log:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def warning(self, message: str, *args: object) -> None:
        self.lines.append(message % args)


class _Server:
    def __init__(self) -> None:
        self.log = _Log()


def _start(monkeypatch: pytest.MonkeyPatch, **env: str) -> list[str]:
    for name in ("RATELIMIT_STORAGE_URI", "TRUSTED_PROXIES", "GUNICORN_WORKERS", "GUNICORN_BIND"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    conf = runpy.run_path(str(Path(CONF)))
    server = _Server()
    conf["on_starting"](server)
    return server.log.lines


def test_several_workers_counting_in_memory_are_warned_about(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (warning,) = _start(monkeypatch, GUNICORN_WORKERS="4")
    assert "memory://" in warning and "4 workers" in warning and "Redis" in warning
    (warning,) = _start(monkeypatch, GUNICORN_WORKERS="2", RATELIMIT_STORAGE_URI="memory://")
    assert "2 workers" in warning


@pytest.mark.parametrize(
    "env",
    [
        {"GUNICORN_WORKERS": "1"},
        {"GUNICORN_WORKERS": "4", "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0"},
        {"GUNICORN_WORKERS": "4", "RATELIMIT_STORAGE_URI": "redis://x", "TRUSTED_PROXIES": "1"},
        {
            "GUNICORN_WORKERS": "1",
            "TRUSTED_PROXIES": "1",
            "GUNICORN_BIND": "unix:/run/sipas/sipas.sock",
        },
    ],
)
def test_safe_settings_start_without_a_warning(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str]
) -> None:
    assert _start(monkeypatch, **env) == []


def test_trusting_a_proxy_while_reachable_directly_is_warned_about(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    (warning,) = _start(
        monkeypatch, GUNICORN_WORKERS="1", TRUSTED_PROXIES="1", GUNICORN_BIND="0.0.0.0:8000"
    )
    assert "X-Forwarded-For" in warning and "0.0.0.0:8000" in warning

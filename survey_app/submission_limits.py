"""The two limits on citizens' submissions, checked in ONE round trip to their storage.

``SUBMIT_LIMIT_PER_FORM`` counts per form session (a random id in the session cookie),
``SUBMIT_LIMIT_PER_ADDRESS`` per public address: the meaning of docs/decisions/0003, unchanged.
Both are fixed windows starting at their first hit (as Flask-Limiter's default strategy with
the ``limits`` storages): each POST adds one to the window of each key, and is refused when
either count is above its limit. With Redis (``RATELIMIT_STORAGE_URI=redis://…``) both counts
are one script (``SET key 0 EX window NX`` and ``INCR`` per key, :data:`COUNT_SCRIPT`): one
round trip and one command instead of Flask-Limiter's four round trips; a Redis that refuses
scripts gets the same commands as one pipeline. Redis down never refuses a citizen: the counts go to
this process's memory until it is back (as Flask-Limiter's in-memory fallback did).
"""

from __future__ import annotations

import logging
import threading
import time
from functools import lru_cache

from limits import RateLimitItem, parse

log = logging.getLogger(__name__)
PREFIX = "LIMITS:sipas-submit"
"""Under the ``limits`` storages' prefix: tools that list or clear the limiter's keys see these."""


COUNT_SCRIPT = """
local counts = {}
for i, key in ipairs(KEYS) do
  redis.call('SET', key, 0, 'EX', ARGV[i], 'NX')
  counts[i] = redis.call('INCR', key)
end
return counts
"""
"""Each key's window starts at its first hit (``SET … NX``), then counts it (``INCR``)."""


@lru_cache(maxsize=32)
def _limit(text: str) -> RateLimitItem:
    return parse(text)


class SubmissionLimits:
    """Counts submissions per form session and per address in one storage (see module doc)."""

    def __init__(self, storage_uri: str) -> None:
        self.redis = None
        if storage_uri.startswith(("redis://", "rediss://", "unix://")):
            import redis

            self.redis = redis.Redis.from_url(
                storage_uri, socket_timeout=0.5, socket_connect_timeout=0.5
            )
            self.script = self.redis.register_script(COUNT_SCRIPT)
        self.scripts_refused = False
        self.memory: dict[str, tuple[int, float]] = {}
        self.lock = threading.Lock()

    def _memory_hits(self, keys: list[tuple[str, int]]) -> list[int]:
        now = time.time()
        counts = []
        with self.lock:
            if len(self.memory) > 100_000:  # forget windows that are over
                self.memory = {k: v for k, v in self.memory.items() if v[1] > now}
            for key, expiry in keys:
                count, until = self.memory.get(key, (0, now + expiry))
                if until <= now:  # the window is over: a new one starts with this hit
                    count, until = 0, now + expiry
                self.memory[key] = (count + 1, until)
                counts.append(count + 1)
        return counts

    def _redis_hits(self, keys: list[tuple[str, int]]) -> list[int]:
        """Both counts after this hit, in one round trip (the script, else a pipeline)."""
        from redis.exceptions import ResponseError

        if not self.scripts_refused:
            try:
                return [
                    int(n)
                    for n in self.script(keys=[k for k, _ in keys], args=[e for _, e in keys])
                ]
            except ResponseError:  # scripts not allowed (NOPERM, disabled EVAL): pipeline
                log.warning("Redis refused the rate-limit script: counting with a pipeline")
                self.scripts_refused = True
        pipe = self.redis.pipeline(transaction=False)  # type: ignore[union-attr]
        for key, expiry in keys:
            pipe.set(key, 0, ex=expiry, nx=True)  # a window starts at its first hit
            pipe.incr(key)
        return [int(n) for n in pipe.execute()[1::2]]

    def hit(self, per_form: tuple[str, str], per_address: tuple[str, str]) -> bool:
        """Count one submission for (limit text, key) of each limit; False when one is over."""
        keys, limits = [], []
        for scope, (text, key) in (("form", per_form), ("address", per_address)):
            limit = _limit(text)
            keys.append((f"{PREFIX}:{scope}:{text}:{key}", limit.get_expiry()))
            limits.append(limit.amount)
        counts: list[int] | None = None
        if self.redis is not None:
            try:
                counts = self._redis_hits(keys)
            except Exception:
                log.warning("rate-limit storage unreachable: counting in memory")
        if counts is None:
            counts = self._memory_hits(keys)
        return all(count <= amount for count, amount in zip(counts, limits, strict=True))

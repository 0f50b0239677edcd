"""Reproducible draws of dossiers (hồ sơ) from each unit's frame, with an ordered reserve list.

Each unit gets its own random stream, ``numpy.random.default_rng(SeedSequence([seed, h]))`` with
``h`` the first 16 bytes of SHA-256 of the unit code: a unit's draw depends only on the seed, its
code and its own frame — not on the other units, nor on the order of the mappings.

* ``srs``: simple random sampling without replacement (Cochran 1977 §2.2). The frame's dossier
  codes are **sorted first**, so the same set of dossiers gives the same draw whatever the order of
  the exported file. The selection order is the random order of the draw.
* ``systematic``: fractional-interval systematic sampling (Cochran 1977 §8.1; Kish 1965 §4.1) on
  the frame **in the order given** (e.g. by completion date, an implicit stratification):
  ``i_k = ⌊(r + k·N) / n⌋`` for k = 0…n−1 with r uniform on {0, …, N−1}, i.e. interval N/n and a
  random start; integer arithmetic makes every dossier's inclusion probability exactly n/N.

Reserves: ``ceil(reserve_ratio · n)`` further dossiers (at most N − n), drawn from the dossiers
not selected, in random order — replacements are taken from the front of the list.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from sampling._checks import ceil_tolerant, count, real
from sampling.said import SaidError, say

__all__ = ["DRAW_METHODS", "Draw", "DrawMethod", "draw_sample", "unit_stream"]

DrawMethod = Literal["srs", "systematic"]


@dataclass(frozen=True)
class Draw:
    """One unit's sample: dossier codes selected, then the reserves, each in selection order."""

    unit_code: str
    selected: tuple[str, ...]
    reserves: tuple[str, ...]


def unit_stream(seed: int, unit_code: str) -> np.random.Generator:
    """The unit's generator: ``default_rng(SeedSequence([seed, sha256(unit_code)[:16]]))``."""
    digest = hashlib.sha256(unit_code.encode("utf-8")).digest()
    return np.random.default_rng(np.random.SeedSequence([seed, int.from_bytes(digest[:16], "big")]))


def _srs(rng: np.random.Generator, population: int, n: int) -> tuple[list[int], list[int]]:
    """Positions of the selected (in draw order) and of the others (in random order)."""
    order = rng.permutation(population).tolist()
    return order[:n], order[n:]


def _systematic(rng: np.random.Generator, population: int, n: int) -> tuple[list[int], list[int]]:
    """``i_k = ⌊(r + k·N)/n⌋``, r uniform on {0…N−1}; the others in random order."""
    if n == 0:
        return [], rng.permutation(population).tolist()
    start = int(rng.integers(population))
    chosen = [(start + k * population) // n for k in range(n)]
    taken = set(chosen)
    rest = [i for i in range(population) if i not in taken]
    return chosen, [rest[i] for i in rng.permutation(len(rest)).tolist()]


_METHODS: dict[str, Callable[[np.random.Generator, int, int], tuple[list[int], list[int]]]] = {
    "srs": _srs,
    "systematic": _systematic,
}
DRAW_METHODS: tuple[str, ...] = tuple(_METHODS)


def _frame_codes(unit: str, dossiers: object, *, sort: bool) -> list[str]:
    if isinstance(dossiers, str | bytes) or not isinstance(dossiers, Sequence):
        raise SaidError(
            say(
                "frame of unit %(unit)r (%(frame)r) must be a sequence of codes",
                unit=unit,
                frame=dossiers,
            )
        )
    codes = list(dossiers)
    seen: set[str] = set()
    for code in codes:
        if not isinstance(code, str):
            raise SaidError(
                say(
                    "dossier code (%(code)r) of unit %(unit)r must be a string",
                    code=code,
                    unit=unit,
                )
            )
        if code in seen:
            raise SaidError(
                say(
                    "dossier code (%(code)r) appears twice in the frame of unit %(unit)r",
                    code=code,
                    unit=unit,
                )
            )
        seen.add(code)
    return sorted(codes) if sort else codes


def draw_sample(
    frame: Mapping[str, Sequence[str]],
    sizes: Mapping[str, int],
    *,
    seed: int,
    method: DrawMethod = "srs",
    reserve_ratio: float = 0.2,
) -> list[Draw]:
    """Draw ``sizes[unit]`` dossiers from ``frame[unit]`` for every unit in ``sizes``.

    Returns one :class:`Draw` per unit of ``sizes``, sorted by unit code. Units of the frame that
    are not in ``sizes`` are not drawn. See the module docstring for the methods and reserves.
    """
    if method not in _METHODS:
        raise SaidError(
            say(
                "method (%(method)r) must be one of %(methods)s",
                method=method,
                methods=", ".join(DRAW_METHODS),
            )
        )
    seed_value = count("seed", seed)
    ratio = real("reserve_ratio", reserve_ratio)
    if ratio < 0:
        raise SaidError(say("reserve_ratio (%(ratio)r) must be >= 0", ratio=reserve_ratio))
    for unit in sizes:
        if not isinstance(unit, str):
            raise SaidError(say("unit code (%(unit)r) must be a string", unit=unit))
    draws: list[Draw] = []
    for unit in sorted(sizes):
        if unit not in frame:
            raise SaidError(say("unit (%(unit)r) has a sample size but no frame", unit=unit))
        codes = _frame_codes(unit, frame[unit], sort=method == "srs")
        n = count(say("size of unit %(unit)r", unit=unit), sizes[unit])
        if n > len(codes):
            raise SaidError(
                say(
                    "size of unit %(unit)r (%(n)s) exceeds its frame (%(frame)s dossiers)",
                    unit=unit,
                    n=n,
                    frame=len(codes),
                )
            )
        selected, rest = _METHODS[method](unit_stream(seed_value, unit), len(codes), n)
        reserves = rest[: min(ceil_tolerant(ratio * n), len(rest))]
        draws.append(
            Draw(
                unit_code=unit,
                selected=tuple(codes[i] for i in selected),
                reserves=tuple(codes[i] for i in reserves),
            )
        )
    return draws

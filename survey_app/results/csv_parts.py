"""A CSV file cut into parts at line breaks, so that each part can be parsed by its own thread.

A line break ends a record unless it lies inside a quoted value (a comment of several lines);
where a cut falls can only be known for sure by parsing the file from its start. So a cut is
*chosen* where it is very likely a record boundary (:func:`cut_points`: neither the line before
nor the line after holds a quote) and *checked* once the part before it has been parsed
(:func:`ends_inside_quotes`): a parser that reaches the end of a part inside a quoted value keeps
that part's last line break in the value (pyarrow does, like Python's ``csv``), so the last cell
of its last row ends with one; if the quote was opened in an earlier column, the row is short
and the parser refuses it. Either way the caller reads the whole file in one pass instead
(docs/decisions/0034).
"""

from __future__ import annotations

MIN_PART_BYTES = 16 << 20  # a smaller part would not pay for its thread
_WINDOW = 1 << 16  # bytes looked at after each cut's place


def cut_points(data: memoryview, parts: int, min_part: int = MIN_PART_BYTES) -> list[int]:
    """Offsets ``0 = c0 < c1 < … < cn = len(data)`` of at most ``parts`` parts of about
    ``len(data) / n ≥ min_part`` bytes; each inner cut just after a line break near
    ``i·len(data)/n``: the first whose lines before and after hold no quote, else the first."""
    size = len(data)
    count = max(1, min(parts, size // max(min_part, 1)))
    cuts = [0]
    for i in range(1, count):
        place = size * i // count
        cut = _cut_in(bytes(data[place : place + _WINDOW]))
        if cut is not None and cuts[-1] < place + cut < size:
            cuts.append(place + cut)
    return [*cuts, size]


def _cut_in(window: bytes) -> int | None:
    """The offset just after the chosen line break of ``window`` (None without one)."""
    before = window.find(b"\n")
    if before < 0:
        return None
    at = window.find(b"\n", before + 1)
    while at >= 0 and (after := window.find(b"\n", at + 1)) >= 0:
        if b'"' not in window[before:after] and after > at + 1:
            return at + 1
        before, at = at, after
    return window.find(b"\n") + 1


def ends_inside_quotes(last_cell: str | None) -> bool:
    """Whether a part whose last row's last cell is ``last_cell`` may end inside a quoted value
    (its last line break kept in the cell); None: the part had no row."""
    return last_cell is not None and last_cell.endswith(("\n", "\r"))

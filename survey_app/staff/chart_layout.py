"""Layout rules every staff chart follows: height proportional to its rows, a value axis people
can read, repeated at the top of long charts. Plain plotly, no Flask."""

from __future__ import annotations

import math
from collections.abc import Sequence

import plotly.graph_objects as go

ROW_HEIGHT = 26
LONG_CHART = 12
"""Charts with more rows than this repeat their value axis at the top."""


def chart_height(rows: int, per_row: int = ROW_HEIGHT, chrome: int = 110) -> int:
    """Height in pixels proportional to the rows (at least 260)."""
    return max(260, per_row * rows + chrome)


def axis_floor(values: Sequence[float | None]) -> float:
    """A lower end for a percent axis: the decade at or below the lowest value (0 when none)."""
    shown = [v for v in values if v is not None]
    return max(0.0, math.floor(min(shown) / 10) * 10) if shown else 0.0


def long_axes(
    figure: go.Figure, labels: Sequence[str], title: str, low: float, high: float = 100
) -> None:
    """The value axis at the bottom, and at the top too when there are many rows."""
    rows = len(labels)
    axis = {"title": {"text": title}, "range": [low, high], "automargin": True}
    figure.update_layout(xaxis=axis)
    if rows > LONG_CHART:
        # a second axis on top that always shows what the bottom one shows
        figure.update_layout(
            xaxis2={**axis, "overlaying": "x", "side": "top", "matches": "x", "showgrid": False}
        )
        figure.add_trace(
            go.Scatter(
                x=[low],
                y=[labels[0]],
                xaxis="x2",
                mode="markers",
                marker={"opacity": 0},
                showlegend=False,
                hoverinfo="skip",
            )
        )

"""The results pages' plotly figures: one row per unit (or element), names not codes, sorted,
axes people can read (the value axis at the top as well when the chart is long).

Figures are returned as JSON for ``staff.charts.json_script``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import plotly.graph_objects as go

from analysis import ResultRow
from survey_app.staff.chart_layout import LONG_CHART, axis_floor, chart_height, long_axes

BLUE, GREY = "#0b3d91", "#b1b4b6"


@dataclass(frozen=True)
class IntervalRow:
    """One row of an interval chart: its label, its row of results, what hover adds."""

    label: str
    row: ResultRow
    extra: str = ""


def interval_chart(rows: Sequence[IntervalRow], title: str) -> str:
    """Each row's index as a point and its 95 % confidence interval as a bar, first row on top."""
    shown = [r for r in rows if r.row.estimate is not None and r.row.ci_low is not None]
    figure = go.Figure(
        go.Scatter(
            x=[r.row.estimate for r in shown],
            y=[r.label for r in shown],
            mode="markers",
            marker={"color": BLUE, "size": 9},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [r.row.ci_high - r.row.estimate for r in shown],
                "arrayminus": [r.row.estimate - r.row.ci_low for r in shown],
                "color": BLUE,
            },
            customdata=[[r.row.ci_low, r.row.ci_high, r.extra] for r in shown],
            hovertemplate=(
                "%{y}: %{x:.1f} % (khoảng tin cậy 95 %: %{customdata[0]:.1f}–"
                "%{customdata[1]:.1f})%{customdata[2]}<extra></extra>"
            ),
            showlegend=False,
        )
    )
    figure.update_layout(
        height=chart_height(len(shown)),
        margin={"l": 10, "r": 20, "t": 50 if len(shown) > LONG_CHART else 10, "b": 50},
        yaxis={"autorange": "reversed", "automargin": True, "type": "category"},
    )
    long_axes(figure, [r.label for r in shown], title, axis_floor([r.row.ci_low for r in shown]))
    return figure.to_json()


@dataclass(frozen=True)
class HeatRow:
    """A unit of the heat map: its label and its item indices in the columns' order."""

    label: str
    values: list[float | None]


def heatmap_chart(rows: Sequence[HeatRow], columns: Sequence[str], hover: Sequence[str]) -> str:
    """Units (rows, in the given order, first on top) × items (columns, short names)."""
    figure = go.Figure(
        go.Heatmap(
            z=[r.values for r in rows],
            x=list(columns),
            y=[r.label for r in rows],
            customdata=[list(hover) for _ in rows],
            colorscale="RdYlGn",
            zmin=50,
            zmax=100,
            colorbar={"title": {"text": "%"}},
            hovertemplate="%{y}<br>%{customdata}: %{z:.1f} %<extra></extra>",
            xgap=1,
            ygap=1,
        )
    )
    figure.update_layout(
        height=chart_height(len(rows), 22, 200),
        margin={"l": 10, "r": 20, "t": 10, "b": 10},
        xaxis={"side": "top", "tickangle": -45, "automargin": True, "type": "category"},
        yaxis={"autorange": "reversed", "automargin": True, "type": "category"},
    )
    return figure.to_json()


def change_chart(
    labels: Sequence[str],
    before: Sequence[float],
    now: Sequence[float],
    names: tuple[str, str],
) -> str:
    """Each unit's SIPAS in the earlier and this round as horizontal bars, rows as given."""
    figure = go.Figure(
        [
            go.Bar(
                name=names[0], y=list(labels), x=list(before), orientation="h", marker_color=GREY
            ),
            go.Bar(name=names[1], y=list(labels), x=list(now), orientation="h", marker_color=BLUE),
        ]
    )
    figure.update_layout(
        barmode="group",
        height=chart_height(len(labels), 34),
        margin={"l": 10, "r": 20, "t": 50 if len(labels) > LONG_CHART else 10, "b": 50},
        yaxis={"autorange": "reversed", "automargin": True, "type": "category"},
        legend={"orientation": "h", "y": -0.08 if len(labels) > LONG_CHART else -0.2},
    )
    long_axes(figure, labels, "SIPAS (%)", axis_floor([*before, *now]))
    return figure.to_json()

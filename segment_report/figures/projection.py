"""The static stand-in for the rotating 3D chart, for browsers without WebGL."""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from segment_report.data import FEATURES
from segment_report.figures.common import base_layout
from segment_report.personas import persona_colour, persona_order
from segment_report.theme import INK


def _project(
    points: np.ndarray, azimuth: float = math.radians(-40), elevation: float = math.radians(22)
) -> np.ndarray:
    """Orthographic projection of unit-cube points (x, y, z; z up) onto the screen plane."""
    x, y, z = points[:, 0], points[:, 1], points[:, 2]
    u = x * math.cos(azimuth) - y * math.sin(azimuth)
    depth = x * math.sin(azimuth) + y * math.cos(azimuth)
    v = z * math.cos(elevation) + depth * math.sin(elevation)
    return np.column_stack([u, v])


def projection_figure(sample: pd.DataFrame, summary: pd.DataFrame, base: str) -> go.Figure:
    """Static stand-in for the 3D chart: the same points (age, income, spending) projected
    onto the page with a fixed camera, drawn in SVG inside a labelled box."""
    rows = sample[sample["customer_base"] == base]
    base_rows = summary[summary["customer_base"] == base]
    columns = list(FEATURES)
    values = rows[columns].to_numpy(dtype=float)
    lows = np.nanmin(values, axis=0) if len(values) else np.zeros(3)
    highs = np.nanmax(values, axis=0) if len(values) else np.ones(3)
    spans = np.where(highs > lows, highs - lows, 1.0)

    def unit(array: np.ndarray) -> np.ndarray:
        return (array - lows) / spans

    figure = go.Figure()
    # The box: its 12 edges, back edges lighter.
    corners = np.array([[i, j, k] for i in (0, 1) for j in (0, 1) for k in (0, 1)], dtype=float)
    for a in range(8):
        for b in range(a + 1, 8):
            if np.abs(corners[a] - corners[b]).sum() == 1:
                line = _project(corners[[a, b]])
                figure.add_trace(
                    go.Scatter(
                        x=line[:, 0],
                        y=line[:, 1],
                        mode="lines",
                        line={"color": "#D1D5DB", "width": 1},
                        hoverinfo="skip",
                        showlegend=False,
                    )
                )
    for persona in persona_order(base_rows["persona_name"]):
        points = rows[rows["persona_name"] == persona]
        screen = _project(unit(points[columns].to_numpy(dtype=float)))
        figure.add_trace(
            go.Scatter(
                x=screen[:, 0].astype("float32"),
                y=screen[:, 1].astype("float32"),
                mode="markers",
                name=persona,
                legendgroup=persona,
                marker={"color": persona_colour(persona), "size": 5, "opacity": 0.6},
                customdata=points[columns].to_numpy(dtype="float32"),
                hovertemplate=(
                    f"<b>{html.escape(persona)}</b><br>Age %{{customdata[0]:.0f}} years"
                    "<br>Income $%{customdata[1]:,.0f}<br>Spending score %{customdata[2]:.0f}"
                    "<extra></extra>"
                ),
            )
        )
    means = base_rows[[f"mean_{c}" for c in columns]].to_numpy(dtype=float)
    screen = _project(unit(means))
    for index, segment in enumerate(base_rows.itertuples(index=False)):
        figure.add_trace(
            go.Scatter(
                x=[screen[index, 0]],
                y=[screen[index, 1]],
                mode="markers",
                legendgroup=segment.persona_name,
                showlegend=False,
                marker={
                    "color": persona_colour(segment.persona_name),
                    "size": 15,
                    "symbol": "diamond",
                    "line": {"color": INK, "width": 2},
                },
                hovertemplate=f"<b>{html.escape(segment.persona_name)}</b> segment mean"
                "<extra></extra>",
            )
        )
    # Axes along outer edges of the box, labelled outside it: age along the front floor
    # edge, income along the right floor edge, spending up the left edge.
    annotations = []
    centre = _project(np.full((1, 3), 0.5))[0]
    edges = (
        ((0, 0, 0), (1, 0, 0), "Age (years)", f"{lows[0]:.0f}", f"{highs[0]:.0f}"),
        (
            (1, 0, 0),
            (1, 1, 0),
            "Annual income (USD)",
            f"${lows[1] / 1000:,.0f}k",
            f"${highs[1] / 1000:,.0f}k",
        ),
        ((0, 0, 0), (0, 0, 1), "Spending score", f"{lows[2]:.0f}", f"{highs[2]:.0f}"),
    )
    for start_corner, end_corner, title, low_text, high_text in edges:
        ends = _project(np.array([start_corner, end_corner], dtype=float))
        figure.add_trace(
            go.Scatter(
                x=ends[:, 0],
                y=ends[:, 1],
                mode="lines",
                line={"color": INK, "width": 2},
                hoverinfo="skip",
                showlegend=False,
            )
        )
        middle = ends.mean(axis=0)
        outward = middle - centre
        outward = outward / (np.linalg.norm(outward) or 1.0)
        vertical = abs(ends[1, 0] - ends[0, 0]) < 1e-9
        # Tick labels a little inside the ends, so labels of two edges sharing a corner
        # do not collide.
        low_at = ends[0] + (ends[1] - ends[0]) * 0.06
        high_at = ends[0] + (ends[1] - ends[0]) * 0.94
        labels = (
            (middle, f"<b>{title}</b>", 30 if vertical else 40, -90 if vertical else 0),
            (low_at, low_text, 16, 0),
            (high_at, high_text, 16, 0),
        )
        for (u, v), text, distance, angle in labels:
            annotations.append(
                {
                    "x": float(u),
                    "y": float(v),
                    "text": text,
                    "textangle": angle,
                    "showarrow": False,
                    "xshift": float(outward[0] * distance),
                    "yshift": float(outward[1] * distance),
                    "font": {"size": 12 if distance > 16 else 11, "color": INK},
                }
            )
    box = _project(corners)
    padding_u = (box[:, 0].max() - box[:, 0].min()) * 0.12
    padding_v = (box[:, 1].max() - box[:, 1].min()) * 0.1
    hidden = {"visible": False, "fixedrange": True}
    figure.update_layout(
        base_layout(
            580,
            xaxis={
                **hidden,
                "range": [box[:, 0].min() - padding_u, box[:, 0].max() + padding_u],
            },
            yaxis={
                **hidden,
                "range": [box[:, 1].min() - padding_v, box[:, 1].max() + padding_v],
                "scaleanchor": "x",
                "scaleratio": 1,
            },
            annotations=annotations,
            margin={"l": 10, "r": 10, "t": 80, "b": 10},
        )
    )
    return figure

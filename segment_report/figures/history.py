"""Segments over time: feature drift (segment_drift's population stability index, with its
bands) and each segment's share of the base in the previous run and now."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from segment_report.cards import feature_name
from segment_report.figures.common import base_layout, persona_tick, style_axes
from segment_report.personas import persona_colour
from segment_report.theme import INK, NEUTRAL_COLOURS

# Band shading: a moderate shift, and drift past the threshold (warm tints: they warn).
MODERATE_FILL = "rgba(234, 179, 8, 0.14)"
DRIFTED_FILL = "rgba(220, 38, 38, 0.12)"


def drift_figure(features: pd.DataFrame, threshold: float, moderate: float) -> go.Figure:
    """Horizontal bars of each feature's population stability index, most drifted on top,
    over the bands: stable below `moderate`, a moderate shift up to `threshold`, drifted
    beyond. Drifted features' bars are dark, the others grey."""
    rows = features.sort_values(
        ["population_stability_index", "feature_name"], ascending=[True, False]
    )
    values = rows["population_stability_index"].astype(float).tolist()
    drifted = rows["is_drifted"].fillna(False).astype(bool).tolist()
    labels = [feature_name(str(name)) for name in rows["feature_name"]]
    upper = max([*values, threshold * 1.5, moderate * 2]) * 1.15
    figure = go.Figure(
        go.Bar(
            x=values,
            y=labels,
            orientation="h",
            name="Population stability index",
            marker={"color": [INK if flag else NEUTRAL_COLOURS[2] for flag in drifted]},
            text=[f"{value:.3f}" for value in values],
            textposition="outside",
            hovertemplate="%{y}<br>PSI %{x:.4f}<extra></extra>",
            showlegend=False,
        )
    )
    if threshold > moderate:
        figure.add_vrect(
            x0=moderate,
            x1=threshold,
            fillcolor=MODERATE_FILL,
            line_width=0,
            layer="below",
            annotation={"text": "moderate shift", "font": {"size": 12}},
            annotation_position="top left",
        )
    figure.add_vrect(
        x0=threshold,
        x1=upper,
        fillcolor=DRIFTED_FILL,
        line_width=0,
        layer="below",
        annotation={"text": f"drifted (≥ {threshold:g}): refit", "font": {"size": 12}},
        annotation_position="top left",
    )
    figure.update_layout(
        base_layout(
            120 + 44 * max(len(rows), 1),
            xaxis={"title": "Population stability index", "range": [0, upper]},
            margin={"l": 70, "r": 24, "t": 40, "b": 50},
            bargap=0.35,
        )
    )
    return style_axes(figure)


def share_change_figure(shares: pd.DataFrame) -> go.Figure:
    """Paired horizontal bars per segment, in segment order from the top: its share of the
    base in the previous run (grey) and in this run (persona colour)."""
    rows = shares.sort_values("segment_id", ascending=False)
    ticks = [
        persona_tick(str(row.persona_name), str(row.segment_key) or None)
        for row in rows.itertuples(index=False)
    ]
    previous = rows["reference_share"].astype(float).fillna(0).tolist()
    current = rows["current_share"].astype(float).fillna(0).tolist()
    change = rows["share_change"].astype(float).fillna(0).tolist()
    figure = go.Figure()
    figure.add_trace(
        go.Bar(
            x=previous,
            y=ticks,
            orientation="h",
            name="Previous run",
            marker={"color": NEUTRAL_COLOURS[3]},
            text=[f"{share:.1%}" for share in previous],
            textposition="outside",
            hovertemplate="Previous run %{x:.1%}<extra></extra>",
        )
    )
    figure.add_trace(
        go.Bar(
            x=current,
            y=ticks,
            orientation="h",
            name="This run",
            marker={"color": [persona_colour(str(name)) for name in rows["persona_name"]]},
            text=[f"{share:.1%}" for share in current],
            textposition="outside",
            customdata=[points * 100 for points in change],
            hovertemplate="This run %{x:.1%}<br>change %{customdata:+.1f} pp<extra></extra>",
        )
    )
    upper = max([*previous, *current, 0.01]) * 1.2
    figure.update_layout(
        base_layout(
            110 + 56 * max(len(rows), 1),
            barmode="group",
            bargap=0.3,
            bargroupgap=0.05,
            xaxis={"title": "Share of the base", "tickformat": ".0%", "range": [0, upper]},
            margin={"l": 70, "r": 24, "t": 40, "b": 50},
        )
    )
    return style_axes(figure)

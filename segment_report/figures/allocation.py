"""Where the marketing budget goes: each segment's recommended budget share beside its
customer share (segment_summary)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from segment_report.figures.common import base_layout, persona_tick, style_axes
from segment_report.personas import persona_colour
from segment_report.theme import NEUTRAL_COLOURS


def budget_share_figure(summary: pd.DataFrame, base: str) -> go.Figure:
    """Paired horizontal bars per segment, largest segment on top: its share of the base's
    customers (grey) and its recommended share of the budget (persona colour)."""
    rows = summary[summary["customer_base"] == base].sort_values(
        ["customer_count", "segment_id"], ascending=[True, False]
    )
    ticks = [
        persona_tick(row.persona_name, row.segment_key) for row in rows.itertuples(index=False)
    ]
    customers = rows["customer_share"].astype(float).tolist()
    budget = rows["recommended_budget_share"].astype(float).tolist()
    figure = go.Figure()
    figure.add_trace(
        go.Bar(
            x=customers,
            y=ticks,
            orientation="h",
            name="Customer share",
            marker={"color": NEUTRAL_COLOURS[3]},
            text=[f"{share:.0%}" for share in customers],
            textposition="outside",
            hovertemplate="Customer share %{x:.1%}<extra></extra>",
        )
    )
    figure.add_trace(
        go.Bar(
            x=budget,
            y=ticks,
            orientation="h",
            name="Recommended budget share",
            marker={"color": [persona_colour(name) for name in rows["persona_name"]]},
            text=[f"{share:.0%}" for share in budget],
            textposition="outside",
            customdata=rows["value_index"].astype(float).tolist(),
            hovertemplate=(
                "Recommended budget share %{x:.1%}<br>value index %{customdata:.2f}<extra></extra>"
            ),
        )
    )
    upper = max([*customers, *budget, 0.01]) * 1.18
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

"""What each segment buys, for bases with an order history (rows in segment_category_mix)."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from segment_report.figures.common import base_layout, persona_tick, style_axes
from segment_report.personas import persona_order
from segment_report.theme import INK


def category_mix_figure(mix: pd.DataFrame, base: str) -> go.Figure:
    """Stacked horizontal bars: each segment's revenue split by product category (100%)."""
    rows = mix[mix["customer_base"] == base]
    segments = (
        rows[["segment_key", "persona_name", "segment_id"]]
        .drop_duplicates()
        .assign(
            order=lambda frame: frame["persona_name"].map(
                persona_order(frame["persona_name"]).index
            )
        )
        .sort_values(["order", "segment_id"], ascending=[False, False])
    )
    ticks = [
        persona_tick(segment.persona_name, segment.segment_key)
        for segment in segments.itertuples(index=False)
    ]
    categories = (
        rows.groupby("product_category")["revenue_usd"].sum().sort_values(ascending=False).index
    )
    palette = ("#1E3A5F", "#3D5A80", "#5C7EA3", "#8AA5C2", "#B7C9DB", "#DCE5EE", "#94A3B8")
    figure = go.Figure()
    for index, category in enumerate(categories):
        part = rows[rows["product_category"] == category].set_index("segment_key")
        shares = [float(part["revenue_share"].get(key, 0.0)) for key in segments["segment_key"]]
        revenue = [float(part["revenue_usd"].get(key, 0.0)) for key in segments["segment_key"]]
        colour = palette[index % len(palette)]
        figure.add_trace(
            go.Bar(
                x=shares,
                y=ticks,
                orientation="h",
                name=str(category),
                marker={"color": colour, "line": {"color": "#FFFFFF", "width": 1}},
                text=[f"{share:.0%}" if share >= 0.06 else "" for share in shares],
                textposition="inside",
                insidetextanchor="middle",
                textfont={"color": "#FFFFFF" if index < 3 else INK, "size": 12},
                customdata=np.array(revenue, dtype="float64"),
                hovertemplate=(
                    f"{html.escape(str(category))}: %{{x:.1%}} of revenue"
                    "<br>$%{customdata:,.0f}<extra></extra>"
                ),
            )
        )
    figure.update_layout(
        base_layout(
            140 + 52 * max(len(segments), 1),
            barmode="stack",
            bargap=0.28,
            xaxis={"title": "Share of the segment's revenue", "tickformat": ".0%", "range": [0, 1]},
            margin={"l": 70, "r": 24, "t": 70, "b": 60},
        )
    )
    return style_axes(figure)

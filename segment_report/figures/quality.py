"""Data quality: rows read, passed and rejected per source, and rejected rows per rule."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from segment_report.figures.common import base_layout, style_axes
from segment_report.formatting import fmt_int
from segment_report.theme import INK, MUTED, NEUTRAL_COLOURS


def source_counts_figure(counts: pd.DataFrame) -> go.Figure:
    """Rows read per source split into passed, rejected on their own, and rejected because
    their customer was rejected (when the mart says so); bars are shares, labels counts."""
    rows = counts.sort_values("raw_row_count")
    has_cascade = "cascaded_row_count" in rows
    raw = rows["raw_row_count"].astype(float).replace(0, np.nan)
    parts = [("Passed", rows["passing_row_count"], "#94A3B8")]
    if has_cascade:
        cascaded = rows["cascaded_row_count"].fillna(0)
        parts += [
            ("Rejected: own fault", rows["rejected_row_count"] - cascaded, "#1E293B"),
            ("Rejected: customer rejected", cascaded, "#64748B"),
        ]
    else:
        parts.append(("Rejected", rows["rejected_row_count"], "#1E293B"))
    ticks = [
        f"{html.escape(str(name))}<br><span style='color:{MUTED}'>{fmt_int(total)} rows</span>"
        for name, total in zip(rows["source_name"], rows["raw_row_count"], strict=True)
    ]
    figure = go.Figure()
    for label, values, colour in parts:
        shares = (values.astype(float) / raw).fillna(0.0)
        figure.add_trace(
            go.Bar(
                x=shares.tolist(),
                y=ticks,
                orientation="h",
                name=label,
                marker={"color": colour},
                text=[
                    f"{fmt_int(value)}" if share >= 0.07 else ""
                    for value, share in zip(values, shares, strict=True)
                ],
                textposition="inside",
                insidetextanchor="middle",
                textfont={"color": "#FFFFFF" if colour != "#94A3B8" else INK},
                customdata=np.asarray(values, dtype="float64"),
                hovertemplate=f"{label}: %{{customdata:,.0f}} rows (%{{x:.1%}})<extra></extra>",
            )
        )
    figure.update_layout(
        base_layout(
            150 + 60 * max(len(rows), 1),
            barmode="stack",
            bargap=0.3,
            xaxis={"title": "Share of the rows read", "tickformat": ".0%", "range": [0, 1]},
            margin={"l": 70, "r": 24, "t": 60, "b": 60},
        )
    )
    return style_axes(figure)


def rejection_rules_figure(rejections: pd.DataFrame) -> go.Figure:
    """Rejected rows per validation rule, stacked by source."""
    totals = rejections.groupby("rule")["row_count"].sum().sort_values()
    sources = sorted(rejections["source_name"].unique()) if len(rejections) else []
    figure = go.Figure()
    for index, source in enumerate(sources):
        part = rejections[rejections["source_name"] == source].set_index("rule")["row_count"]
        figure.add_trace(
            go.Bar(
                x=[int(part.get(rule, 0)) for rule in totals.index],
                y=list(totals.index),
                orientation="h",
                name=str(source),
                marker={"color": NEUTRAL_COLOURS[index % len(NEUTRAL_COLOURS)]},
                hovertemplate=f"{html.escape(str(source))}: %{{x:,}} rows<extra></extra>",
            )
        )
    figure.add_trace(
        go.Scatter(
            x=totals.tolist(),
            y=list(totals.index),
            mode="text",
            text=[f"  {value:,}" for value in totals],
            textposition="middle right",
            textfont={"size": 12, "color": INK},
            showlegend=False,
            hoverinfo="skip",
        )
    )
    upper = float(totals.max()) * 1.15 if len(totals) else 1.0
    figure.update_layout(
        base_layout(
            150 + 34 * max(len(totals), 1),
            barmode="stack",
            bargap=0.3,
            xaxis={
                "title": "Rejected rows (a row failing two rules counts in both)",
                "range": [0, upper],
            },
            margin={"l": 70, "r": 30, "t": 60, "b": 60},
        )
    )
    return style_axes(figure)

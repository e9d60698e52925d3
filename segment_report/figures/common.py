"""Shared look of the figures: layout, axes, feature labels and persona tick labels."""

from __future__ import annotations

import html

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from segment_report.personas import persona_colour
from segment_report.theme import FONT_STACK, GRID, INK, MUTED

FEATURE_LABELS = {
    "age": "Age (years)",
    "annual_income_usd": "Annual income (USD)",
    "spending_score": "Spending score (1-100)",
    "work_experience_years": "Work experience (years)",
    "family_size": "Family size (people)",
    "recency_days": "Recency (days)",
    "order_count": "Orders",
    "monetary_value_usd": "Spend (USD)",
}


def base_layout(height: int, **extra: object) -> dict[str, object]:
    """Shared layout: system fonts, white background, light grid, legend on top."""
    layout: dict[str, object] = {
        "template": "none",
        "height": height,
        "font": {"family": FONT_STACK, "size": 13, "color": INK},
        "paper_bgcolor": "#FFFFFF",
        "plot_bgcolor": "#FFFFFF",
        "margin": {"l": 70, "r": 24, "t": 56, "b": 60},
        "legend": {
            "orientation": "h",
            "yanchor": "bottom",
            "y": 1.02,
            "xanchor": "left",
            "x": 0,
            "font": {"size": 12},
            "itemsizing": "constant",
            "traceorder": "normal",
        },
        "hoverlabel": {"font": {"family": FONT_STACK}},
    }
    layout.update(extra)
    return layout


def style_axes(figure: go.Figure) -> go.Figure:
    """Light grid, dark axis lines, readable tick labels on every 2D axis."""
    axis_style = {
        "showgrid": True,
        "gridcolor": GRID,
        "zeroline": False,
        "linecolor": "#9CA3AF",
        "ticks": "outside",
        "tickcolor": "#9CA3AF",
        "automargin": True,
        "title_font": {"size": 13},
    }
    figure.update_xaxes(**axis_style)
    figure.update_yaxes(**axis_style)
    return figure


def f32(values: pd.Series) -> np.ndarray:
    """Compact float32 array (Plotly writes it as base64)."""
    return values.to_numpy(dtype="float32", na_value=np.nan)


def axis_format(feature: str) -> dict[str, object]:
    """Axis title and tick format for a feature (USD with $ and k)."""
    if feature.endswith("_usd"):
        return {"title": FEATURE_LABELS[feature], "tickprefix": "$", "tickformat": "~s"}
    return {"title": FEATURE_LABELS.get(feature, feature)}


def wrap_label(text: str, width: int = 12) -> str:
    """A persona name broken on spaces into lines of about `width` characters (Plotly <br>)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return "<br>".join(lines) or text


def persona_tick(persona: str, segment_key: str | None = None) -> str:
    """Axis label with the persona's colour dot."""
    suffix = (
        f" <span style='color:{MUTED}'>({html.escape(segment_key)})</span>" if segment_key else ""
    )
    return f"<span style='color:{persona_colour(persona)}'>●</span> {html.escape(persona)}{suffix}"


def histogram_bins(values: pd.Series, count: int = 24) -> dict[str, float]:
    """Shared histogram bins over the values' range, so stacked histograms line up."""
    low = float(values.min()) if len(values) else 0.0
    high = float(values.max()) if len(values) else 1.0
    size = (high - low) / count if high > low else 1.0
    return {"start": low, "end": high + size, "size": size}

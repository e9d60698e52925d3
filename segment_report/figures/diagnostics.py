"""How many segments: the elbow and silhouette curves of segment_diagnostics."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from segment_report.figures.common import base_layout, style_axes
from segment_report.theme import INK, NEUTRAL_COLOURS


def diagnostics_figure(diagnostics: pd.DataFrame, base: str) -> go.Figure:
    """Elbow (inertia by k) and silhouette (by k) curves with the chosen k starred and a
    dotted line through it."""
    rows = diagnostics[diagnostics["customer_base"] == base].sort_values("k")
    chosen = rows[rows["is_chosen_k"].astype(bool)]
    figure = make_subplots(
        rows=1,
        cols=2,
        horizontal_spacing=0.12,
        subplot_titles=(
            "Elbow: inertia by k (lower = tighter segments)",
            "Silhouette by k (higher = better separated)",
        ),
    )
    figure.update_annotations(font={"size": 14, "color": INK})
    for col, metric, label in ((1, "inertia", "Inertia"), (2, "silhouette", "Silhouette")):
        figure.add_trace(
            go.Scatter(
                x=rows["k"].tolist(),
                y=rows[metric].tolist(),
                mode="lines+markers",
                name=label,
                line={"color": NEUTRAL_COLOURS[1], "width": 2},
                marker={"size": 7, "color": NEUTRAL_COLOURS[1]},
                showlegend=False,
                hovertemplate=f"k = %{{x}}<br>{label} %{{y:,.3f}}<extra></extra>",
            ),
            row=1,
            col=col,
        )
        for k, value in zip(chosen["k"], chosen[metric], strict=True):
            figure.add_vline(
                x=int(k),
                line={"color": INK, "width": 1, "dash": "dot"},
                annotation={
                    "text": f"<b>chosen k = {int(k)}</b>",
                    "font": {"size": 13, "color": INK},
                    "bgcolor": "rgba(255,255,255,0.85)",
                },
                annotation_position="top right",
                row=1,
                col=col,
            )
            figure.add_trace(
                go.Scatter(
                    x=[int(k)],
                    y=[float(value)],
                    mode="markers",
                    marker={
                        "size": 18,
                        "symbol": "star",
                        "color": "#FACC15",
                        "line": {"color": INK, "width": 1.5},
                    },
                    name="chosen k",
                    showlegend=False,
                    hovertemplate=f"chosen k = %{{x}}<br>{label} %{{y:,.3f}}<extra></extra>",
                ),
                row=1,
                col=col,
            )
    figure.update_xaxes(title_text="Number of segments k", dtick=1)
    for col, metric, title in (
        (1, "inertia", "Inertia"),
        (2, "silhouette", "Mean silhouette (-1 to 1)"),
    ):
        values = rows[metric].astype(float)
        span = float(values.max() - values.min()) or 1.0
        # Head room above the curve for the "chosen k" label.
        figure.update_yaxes(
            title_text=title,
            range=[float(values.min()) - 0.08 * span, float(values.max()) + 0.22 * span],
            row=1,
            col=col,
        )
    figure.update_layout(base_layout(390, margin={"l": 80, "r": 30, "t": 50, "b": 60}))
    return style_axes(figure)

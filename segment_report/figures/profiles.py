"""Who the customers of each segment are: charts of the sampled customers, one function each.

Every chart colours customers by persona; the scatter and 3D charts mark each segment's mean
over all its customers (segment_summary) with a diamond.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from segment_report.data import FEATURES, PAIR_SAMPLE_PER_BASE
from segment_report.figures.common import (
    axis_format,
    base_layout,
    f32,
    histogram_bins,
    style_axes,
    wrap_label,
)
from segment_report.personas import persona_colour, persona_order
from segment_report.theme import GRID, INK, NEUTRAL_COLOURS


def income_spending_figure(sample: pd.DataFrame, summary: pd.DataFrame, base: str) -> go.Figure:
    """Income x spending scatter of the sampled customers, coloured by persona, with each
    segment's mean over all its customers (segment_summary) as a large diamond, as in the 3D
    chart."""
    rows = sample[sample["customer_base"] == base]
    base_rows = summary[summary["customer_base"] == base]
    personas = persona_order(base_rows["persona_name"])
    figure = go.Figure()
    for persona in personas:
        points = rows[rows["persona_name"] == persona]
        figure.add_trace(
            go.Scatter(
                x=f32(points["annual_income_usd"]),
                y=f32(points["spending_score"]),
                mode="markers",
                name=persona,
                legendgroup=persona,
                marker={"color": persona_colour(persona), "size": 6, "opacity": 0.6},
                hovertemplate=(
                    f"<b>{html.escape(persona)}</b><br>Income $%{{x:,.0f}}"
                    "<br>Spending score %{y:.0f}<extra></extra>"
                ),
            )
        )
    for centre in base_rows.itertuples(index=False):
        figure.add_trace(
            go.Scatter(
                x=[centre.mean_annual_income_usd],
                y=[centre.mean_spending_score],
                mode="markers",
                name=f"{centre.persona_name} (segment mean)",
                legendgroup=centre.persona_name,
                showlegend=False,
                marker={
                    "color": persona_colour(centre.persona_name),
                    "size": 17,
                    "symbol": "diamond",
                    "line": {"color": INK, "width": 2},
                },
                hovertemplate=(
                    f"<b>{html.escape(centre.persona_name)}</b> segment mean "
                    f"({html.escape(centre.segment_key)})"
                    "<br>Income $%{x:,.0f}<br>Spending score %{y:.1f}<extra></extra>"
                ),
            )
        )
    figure.update_layout(
        base_layout(
            500,
            xaxis={**axis_format("annual_income_usd"), "nticks": 8},
            yaxis={**axis_format("spending_score"), "range": [0, 102]},
            margin={"l": 70, "r": 24, "t": 80, "b": 60},
        )
    )
    return style_axes(figure)


def segment_3d_figure(sample: pd.DataFrame, summary: pd.DataFrame, base: str) -> go.Figure:
    """Interactive 3D scatter of age, income and spending, coloured by persona (WebGL)."""
    rows = sample[sample["customer_base"] == base]
    base_rows = summary[summary["customer_base"] == base]
    figure = go.Figure()
    for persona in persona_order(base_rows["persona_name"]):
        points = rows[rows["persona_name"] == persona]
        figure.add_trace(
            go.Scatter3d(
                x=f32(points["age"]),
                y=f32(points["annual_income_usd"]),
                z=f32(points["spending_score"]),
                mode="markers",
                name=persona,
                legendgroup=persona,
                marker={"color": persona_colour(persona), "size": 2.6, "opacity": 0.75},
                hovertemplate=(
                    f"<b>{html.escape(persona)}</b><br>Age %{{x:.0f}} years"
                    "<br>Income $%{y:,.0f}<br>Spending score %{z:.0f}<extra></extra>"
                ),
            )
        )
    for segment in base_rows.itertuples(index=False):
        figure.add_trace(
            go.Scatter3d(
                x=[segment.mean_age],
                y=[segment.mean_annual_income_usd],
                z=[segment.mean_spending_score],
                mode="markers",
                legendgroup=segment.persona_name,
                showlegend=False,
                name=f"{segment.persona_name} (segment mean)",
                marker={
                    "color": persona_colour(segment.persona_name),
                    "size": 9,
                    "symbol": "diamond",
                    "line": {"color": INK, "width": 2},
                },
                hovertemplate=(
                    f"<b>{html.escape(segment.persona_name)}</b> segment mean<br>"
                    "Age %{x:.1f}<br>Income $%{y:,.0f}<br>Spending %{z:.1f}<extra></extra>"
                ),
            )
        )
    axis = {"backgroundcolor": "#F9FAFB", "gridcolor": GRID, "showbackground": True}
    figure.update_layout(
        base_layout(
            580,
            margin={"l": 0, "r": 0, "t": 70, "b": 0},
            scene={
                "xaxis": {**axis, "title": {"text": "Age (years)"}},
                "yaxis": {
                    **axis,
                    "title": {"text": "Income (USD)"},
                    "tickprefix": "$",
                    "tickformat": "~s",
                },
                "zaxis": {**axis, "title": {"text": "Spending (1-100)"}},
                "camera": {"eye": {"x": 1.7, "y": -1.5, "z": 0.9}},
                "aspectmode": "cube",
            },
        )
    )
    return figure


def spending_box_figure(sample: pd.DataFrame, summary: pd.DataFrame, base: str) -> go.Figure:
    """Box plots of the spending score: by gender (left, greys) and by segment (right,
    persona colours); the dashed line in each box is the mean."""
    rows = sample[sample["customer_base"] == base]
    personas = persona_order(summary.loc[summary["customer_base"] == base, "persona_name"])
    figure = make_subplots(
        rows=1,
        cols=2,
        column_widths=[0.3, 0.7],
        horizontal_spacing=0.08,
        subplot_titles=("By gender", "By segment"),
    )
    genders = rows["gender"].astype("string").fillna("unknown").str.lower()
    for index, gender in enumerate(sorted(genders.unique())):
        values = rows.loc[genders == gender, "spending_score"]
        figure.add_trace(
            go.Box(
                y=f32(values),
                name=gender.title(),
                marker={"color": NEUTRAL_COLOURS[index % len(NEUTRAL_COLOURS)]},
                boxmean=True,
                boxpoints=False,
                showlegend=False,
                hovertemplate="%{y:.0f}<extra></extra>",
            ),
            row=1,
            col=1,
        )
    for persona in personas:
        values = rows.loc[rows["persona_name"] == persona, "spending_score"]
        figure.add_trace(
            go.Box(
                y=f32(values),
                name=wrap_label(persona),
                legendgroup=persona,
                marker={"color": persona_colour(persona)},
                boxmean=True,
                boxpoints=False,
                showlegend=False,
            ),
            row=1,
            col=2,
        )
    figure.update_layout(base_layout(440, margin={"l": 70, "r": 24, "t": 50, "b": 70}))
    figure.update_yaxes(title_text="Spending score (1-100)", range=[0, 102], row=1, col=1)
    figure.update_yaxes(range=[0, 102], row=1, col=2)
    figure.update_annotations(font={"size": 14, "color": INK})
    return style_axes(figure)


def pair_plot_figure(
    sample: pd.DataFrame, summary: pd.DataFrame, base: str, per_base: int = PAIR_SAMPLE_PER_BASE
) -> go.Figure:
    """Scatter matrix of age, income and spending (first `per_base` sampled customers),
    coloured by persona; the diagonal stacks each feature's histogram by persona."""
    rows = sample[sample["customer_base"] == base].head(per_base)
    personas = persona_order(summary.loc[summary["customer_base"] == base, "persona_name"])
    count = len(FEATURES)
    bins = {feature: histogram_bins(rows[feature]) for feature in FEATURES}
    figure = make_subplots(rows=count, cols=count, horizontal_spacing=0.08, vertical_spacing=0.07)
    for persona in personas:
        points = rows[rows["persona_name"] == persona]
        colour = persona_colour(persona)
        for row_index, y_feature in enumerate(FEATURES, start=1):
            for col_index, x_feature in enumerate(FEATURES, start=1):
                if row_index == col_index:
                    trace: go.Histogram | go.Scatter = go.Histogram(
                        x=f32(points[x_feature]),
                        name=persona,
                        legendgroup=persona,
                        showlegend=False,
                        marker={"color": colour, "line": {"color": "#FFFFFF", "width": 0.5}},
                        xbins=bins[x_feature],
                        hovertemplate=f"{html.escape(persona)}: %{{y}} customers<extra></extra>",
                    )
                else:
                    trace = go.Scatter(
                        x=f32(points[x_feature]),
                        y=f32(points[y_feature]),
                        mode="markers",
                        name=persona,
                        legendgroup=persona,
                        showlegend=row_index == 1 and col_index == 2,
                        marker={"color": colour, "size": 4, "opacity": 0.6},
                        hoverinfo="skip",
                    )
                figure.add_trace(trace, row=row_index, col=col_index)
    for index, feature in enumerate(FEATURES, start=1):
        formatting = axis_format(feature)
        title = formatting.pop("title")
        for other in range(1, count + 1):
            figure.update_xaxes(formatting, row=other, col=index)
            if other != index:
                figure.update_yaxes(formatting, row=index, col=other)
        figure.update_yaxes(showticklabels=False, ticks="", row=index, col=index)
        figure.update_xaxes(title_text=title, row=count, col=index)
        figure.update_yaxes(title_text=title, row=index, col=1)
    figure.update_layout(
        base_layout(740, barmode="stack", margin={"l": 80, "r": 24, "t": 80, "b": 70})
    )
    style_axes(figure)
    for index in range(1, count + 1):
        figure.update_yaxes(ticks="", row=index, col=index)
    return figure

"""The charts of the page, in page order, each with its title and the sentence under it.

A base gets the customer charts; the elbow and silhouette chart when segment_diagnostics has
rows for it; the category chart when it has an order history (rows in segment_category_mix).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import plotly.graph_objects as go

from segment_report.data import PAIR_SAMPLE_PER_BASE, ReportData
from segment_report.figures.behaviour import category_mix_figure
from segment_report.figures.diagnostics import diagnostics_figure
from segment_report.figures.profiles import (
    income_spending_figure,
    pair_plot_figure,
    segment_3d_figure,
    spending_box_figure,
)
from segment_report.figures.projection import projection_figure
from segment_report.figures.quality import rejection_rules_figure, source_counts_figure
from segment_report.formatting import base_anchor


@dataclass
class Chart:
    """One chart slot: a figure, an optional static stand-in when WebGL is missing, and the
    sentence shown under it."""

    chart_id: str
    title: str
    caption: str
    figure: go.Figure
    fallback: go.Figure | None = None
    fallback_caption: str = ""
    wide: bool = False

    @property
    def spec(self) -> str:
        """The figure (and stand-in) as JSON for the page's script, safe inside <script>."""
        spec = (
            '{"target": '
            + json.dumps(f"plot-{self.chart_id}")
            + ', "figure": '
            + _figure_json(self.figure)
            + ', "fallback": '
            + (_figure_json(self.fallback) if self.fallback is not None else "null")
            + "}"
        )
        # Inline JSON must not close its <script> element.
        return spec.replace("</", "<\\/").replace("<!--", "<\\!--")


def _figure_json(figure: go.Figure) -> str:
    return figure.to_json(validate=False, pretty=False)


def base_charts(data: ReportData, base: str) -> list[Chart]:
    """The charts of one customer base, in page order."""
    summary, sample = data.summary, data.sample
    anchor = base_anchor(base)
    sampled = int((sample["customer_base"] == base).sum())
    total = int(summary.loc[summary["customer_base"] == base, "customer_count"].sum())
    sample_note = (
        f"All {total:,} customers are shown."
        if sampled >= total
        else f"Shows a fixed sample of {sampled:,} of the {total:,} customers."
    )
    pair_note = (
        sample_note
        if sampled <= PAIR_SAMPLE_PER_BASE
        else f"Shows the first {PAIR_SAMPLE_PER_BASE:,} customers of that fixed sample."
    )
    scatter, from_model = income_spending_figure(sample, summary, data.centroids, base)
    centre_text = (
        "the model's centroid of each segment"
        if from_model
        else "each segment's mean (income and spending are not clustering features here)"
    )
    charts = [
        Chart(
            f"{anchor}-scatter",
            "Annual income vs. spending score",
            "Each dot is a customer, coloured by persona; the outlined diamonds mark "
            f"{centre_text}. Clusters far apart mean clearly different customers. {sample_note}",
            scatter,
        ),
        Chart(
            f"{anchor}-3d",
            "Age, income and spending together",
            "Drag to rotate, scroll to zoom: the same customers in three dimensions, so age "
            f"differences between personas become visible. Diamonds are segment means. "
            f"{sample_note}",
            segment_3d_figure(sample, summary, base),
            fallback=projection_figure(sample, summary, base),
            fallback_caption=(
                "A fixed 3D view, shown because this browser has no WebGL for the rotating "
                "chart: age along the front edge, income along the right edge, spending up; "
                f"diamonds are segment means. {sample_note}"
            ),
        ),
        Chart(
            f"{anchor}-boxes",
            "Spending score by gender and by segment",
            "Each box spans the middle half of the customers; the solid line is the median, "
            "the dashed line the mean, the whiskers the usual range. When the two gender boxes "
            f"sit at the same height, gender makes little difference to spending. {sample_note}",
            spending_box_figure(sample, summary, base),
            wide=True,
        ),
        Chart(
            f"{anchor}-pairs",
            "Every pair of features",
            "Each small chart plots one feature against another; the diagonal shows how each "
            "feature is distributed, stacked by persona. Where colours stay apart, that pair "
            f"of features separates the segments. {pair_note}",
            pair_plot_figure(sample, summary, base),
            wide=True,
        ),
    ]
    if (data.diagnostics["customer_base"] == base).any():
        charts.append(
            Chart(
                f"{anchor}-k",
                "How many segments? Elbow and silhouette",
                "Left: inertia (the sum of squared distances of customers to their segment "
                "centre) always falls as k grows; where the curve bends (the elbow), more "
                "segments stop helping much. Right: silhouette measures how well separated the "
                "segments are. The star marks the k used for this report.",
                diagnostics_figure(data.diagnostics, base),
                wide=True,
            )
        )
    if data.has_orders(base):
        charts.append(
            Chart(
                f"{anchor}-categories",
                "What each segment buys: revenue by product category",
                "Each bar is one segment's revenue split by product category (100% per bar); "
                "hover for the dollar amounts. Different splits point to different product "
                "offers per segment.",
                category_mix_figure(data.category_mix, base),
                wide=True,
            )
        )
    return charts


def quality_charts(data: ReportData) -> list[Chart]:
    """The data-quality charts: rows kept per source, and rejected rows per rule."""
    has_cascade = "cascaded_row_count" in data.source_counts
    cascade_text = (
        " Rows rejected only because their customer was rejected are shown separately."
        if has_cascade
        else ""
    )
    charts = [
        Chart(
            "quality-sources",
            "Rows read, passed and rejected per source",
            "Each bar is one input file (100% = every row read); labels are row counts. Rejected "
            f"rows are kept aside in the rejected_rows mart, never silently dropped.{cascade_text}",
            source_counts_figure(data.source_counts),
            wide=True,
        )
    ]
    if len(data.rejections):
        charts.append(
            Chart(
                "quality-rules",
                "Why rows were rejected",
                "Rejected rows per validation rule, by source. customer_rejected means the order "
                "line or membership belongs to a customer whose own row was rejected.",
                rejection_rules_figure(data.rejections),
                wide=True,
            )
        )
    return charts

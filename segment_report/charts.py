"""The charts of the page, in page order, each with its title and the sentence under it.

A base gets the budget chart beside its cards; the income x spending and 3D charts; the
category chart when it has an order history (rows in segment_category_mix); under "Segments
over time", the drift of its features (when segment_drift has rows for it) and, after its
first run, the change of each segment's share; and, folded under "More charts", the spending
boxes, the pair plot and the elbow and silhouette chart (when segment_diagnostics has rows
for it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import plotly.graph_objects as go

from segment_report.data import PAIR_SAMPLE_PER_BASE, ReportData
from segment_report.figures.allocation import budget_share_figure
from segment_report.figures.behaviour import category_mix_figure
from segment_report.figures.diagnostics import diagnostics_figure
from segment_report.figures.history import drift_figure, share_change_figure
from segment_report.figures.profiles import (
    income_spending_figure,
    pair_plot_figure,
    segment_3d_figure,
    spending_box_figure,
)
from segment_report.figures.projection import projection_figure
from segment_report.figures.quality import rejection_rules_figure, source_counts_figure
from segment_report.formatting import base_anchor
from segment_report.history import (
    PSI_MODERATE,
    base_history,
    feature_drift,
    segment_shares,
)


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
    #: Where the page shows it: "budget" beside the cards, "profile" under "How the segments
    #: differ", "history" under "Segments over time", "more" folded under "More charts".
    group: str = "profile"

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


def sample_note(shown: int, total: int) -> str:
    """Which customers a chart draws: all of them, or a fixed sample of how many."""
    if shown >= total:
        return f"All {total:,} customers are shown."
    return (
        f"Shows a fixed sample of {shown:,} of the {total:,} customers (the same ones on "
        "every run)."
    )


SEGMENT_MEANS = "each segment's mean over all its customers"


def base_charts(data: ReportData, base: str) -> list[Chart]:
    """The charts of one customer base, in page order."""
    summary, sample = data.summary, data.sample
    anchor = base_anchor(base)
    sampled = int((sample["customer_base"] == base).sum())
    total = int(summary.loc[summary["customer_base"] == base, "customer_count"].sum())
    shown = sample_note(sampled, total)
    pair_shown = sample_note(min(sampled, PAIR_SAMPLE_PER_BASE), total)
    measures = summary.loc[summary["customer_base"] == base, "value_measure"].dropna().unique()
    measure = f", here {', '.join(str(m) for m in measures)}" if len(measures) else ""
    charts = [
        Chart(
            f"{anchor}-budget",
            "Recommended budget share against customer share",
            "Grey: each segment's share of the base's customers; colour: its recommended share "
            "of the marketing budget, half the customer share plus half the value share (the "
            f"customer share weighted by the value index{measure}). A coloured bar longer than "
            "the grey one means the segment is worth more per customer than the base average.",
            budget_share_figure(summary, base),
            group="budget",
        ),
        Chart(
            f"{anchor}-scatter",
            "Annual income vs. spending score",
            "Each dot is a customer, coloured by persona; the outlined diamonds mark "
            f"{SEGMENT_MEANS}. Clusters far apart mean clearly different customers. {shown}",
            income_spending_figure(sample, summary, base),
        ),
        Chart(
            f"{anchor}-3d",
            "Age, income and spending together",
            "Drag to rotate, scroll to zoom: the same customers in three dimensions, so age "
            f"differences between personas become visible; the diamonds mark {SEGMENT_MEANS}. "
            f"{shown}",
            segment_3d_figure(sample, summary, base),
            fallback=projection_figure(sample, summary, base),
            fallback_caption=(
                "A fixed 3D view, shown because this browser has no WebGL for the rotating "
                "chart: age along the front edge, income along the right edge, spending up; "
                f"the diamonds mark {SEGMENT_MEANS}. {shown}"
            ),
        ),
    ]
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
    charts += history_charts(data, base)
    charts += [
        Chart(
            f"{anchor}-boxes",
            "Spending score by gender and by segment",
            "Each box spans the middle half of the customers; the solid line is the median, "
            "the dashed line the mean, the whiskers the usual range. When the two gender boxes "
            f"sit at the same height, gender makes little difference to spending. {shown}",
            spending_box_figure(sample, summary, base),
            wide=True,
            group="more",
        ),
        Chart(
            f"{anchor}-pairs",
            "Every pair of features",
            "Each small chart plots one feature against another; the diagonal shows how each "
            "feature is distributed, stacked by persona. Where colours stay apart, that pair "
            f"of features separates the segments. {pair_shown}",
            pair_plot_figure(sample, summary, base),
            wide=True,
            group="more",
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
                group="more",
            )
        )
    return charts


def history_charts(data: ReportData, base: str) -> list[Chart]:
    """The charts of "Segments over time": feature drift in the latest run, and, after the
    base's first run, each segment's share in the previous run and now."""
    anchor = base_anchor(base)
    charts = []
    features = feature_drift(data, base)
    if not features.empty:
        threshold = data.drift_threshold
        reference = features["reference_model_version"].dropna()
        version = f"model version {int(reference.iloc[0])}" if len(reference) else "the model"
        charts.append(
            Chart(
                f"{anchor}-drift",
                "Feature drift: population stability index",
                "How far each feature the base is segmented on has moved: this run's customers "
                f"against the training sample of {version}, in the bins of that fit. Under "
                f"{PSI_MODERATE:g} the distribution is stable; from {PSI_MODERATE:g} to "
                f"{threshold:g} it has shifted moderately (shaded yellow); from {threshold:g} "
                "(drift_psi_threshold) it has drifted (shaded red, dark bar) and the segments "
                "should be refitted.",
                drift_figure(features, threshold, PSI_MODERATE),
                group="history",
            )
        )
    history = base_history(data, base)
    if history is not None and not history.is_first_run:
        charts.append(
            Chart(
                f"{anchor}-shares",
                "Segment shares: previous run and this run",
                "Grey: each segment's share of the base's customers in the previous run; colour: "
                "its share in this run (hover for the change in percentage points). A segment "
                "that grows gains customers from the others or from new customers.",
                share_change_figure(segment_shares(data, base)),
                group="history",
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

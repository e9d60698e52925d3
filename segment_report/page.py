"""The whole page: the values the template shows above and around the cards and charts.

One section per customer base found in segment_summary, whatever the bases are called and
however many there are (with its "Segments over time" part when the history marts are
published), then the data-quality section.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pandas as pd

from segment_report.cards import Card, segment_cards
from segment_report.charts import Chart, base_charts, quality_charts
from segment_report.data import ReportData, run_time_columns
from segment_report.formatting import (
    NOT_AVAILABLE,
    base_anchor,
    base_title,
    fmt_int,
    fmt_pct,
    is_missing,
    run_value_text,
    text,
    timestamp_text,
)
from segment_report.history import History, base_history
from segment_report.personas import assign_page_colours, persona_colour_map
from segment_report.templating import render_page, static_text
from segment_report.theme import FONT_STACK, PLOTLY_CONFIG

NO_RUNS = "not recorded (no segmentation_runs mart)"
# Short names of the usual clustering features in the sentence under a base's title.
FEATURE_SHORT = {
    "age": "age",
    "annual_income_usd": "annual income",
    "spending_score": "spending score",
}


@dataclass
class BaseIntro:
    """The sentence under a base's title: customers, segments, features and the chosen k."""

    customers: str
    segments: int
    features: str
    chosen_k: int | None = None
    k_choice: str = ""
    silhouette: str = ""


@dataclass
class BaseSection:
    """One customer base: its title, sentence, cards, charts and segments over time."""

    name: str
    anchor: str
    title: str
    intro: BaseIntro
    cards: list[Card]
    charts: list[Chart] = field(default_factory=list)
    history: History | None = None


def run_metadata(runs: pd.DataFrame | None) -> tuple[str, list[tuple[str, str]]]:
    """When the data was built (the latest run's finish time, else its start time), and that
    run's fields for the details block. Without segmentation_runs: a plain note, no fields."""
    if runs is None or runs.empty:
        return NO_RUNS, []
    latest = runs.iloc[0]
    stamps = run_time_columns(
        {
            column: "TIMESTAMP"
            for column in runs.columns
            if pd.api.types.is_datetime64_any_dtype(runs[column])
        }
    )
    known = [column for column in stamps if not is_missing(latest[column])]
    built = timestamp_text(latest[known[0]]) if known else NOT_AVAILABLE
    if "run_id" in runs.columns and not is_missing(latest["run_id"]):
        built += f" · run {str(latest['run_id'])[:8]}"
    if len(runs) > 1:
        built += f" · {len(runs)} runs on record" if len(runs) < 20 else " · 20+ runs on record"
    fields = [
        (str(column), run_value_text(value))
        for column, value in latest.items()
        if not is_missing(value)
    ]
    return built, fields


def base_intro(
    summary: pd.DataFrame, centroids: pd.DataFrame, diagnostics: pd.DataFrame, base: str
) -> BaseIntro:
    """Customers, segments, features and how k was chosen (the row of segment_diagnostics
    where is_chosen_k)."""
    rows = summary[summary["customer_base"] == base]
    own = centroids[centroids["customer_base"] == base].sort_values("feature_position")
    kinds = own["feature_kind"] if "feature_kind" in own else pd.Series("numeric", index=own.index)
    features = dict.fromkeys(zip(own["feature_name"], kinds, strict=True))
    intro = BaseIntro(
        customers=fmt_int(rows["customer_count"].sum()),
        segments=len(rows),
        features=", ".join(
            FEATURE_SHORT.get(name, name.replace("_", " "))
            + (" (categorical)" if kind == "categorical" else "")
            for name, kind in features
        ),
    )
    chosen = diagnostics[
        (diagnostics["customer_base"] == base) & diagnostics["is_chosen_k"].astype(bool)
    ]
    if not chosen.empty:
        row = chosen.iloc[0]
        rule = str(row["k_rule"]).replace("_", "-")
        intro.chosen_k = int(row["k"])
        intro.k_choice = (
            "fixed in the settings" if rule == "fixed" else f"picked by the {rule} rule"
        )
        intro.silhouette = f"{float(row['silhouette']):.2f}"
    return intro


def source_rows(counts: pd.DataFrame) -> list[dict[str, str]]:
    """The source_row_counts numbers for the table of the data-quality section."""
    return [
        {
            "source": text(row["source_name"]),
            "read": fmt_int(row["raw_row_count"]),
            "passed": fmt_int(row["passing_row_count"]),
            "rejected": fmt_int(row["rejected_row_count"]),
            "rejected_share": fmt_pct(row["rejected_share"], 1),
        }
        for _, row in counts.sort_values("source_name").iterrows()
    ]


def base_section(data: ReportData, base: str) -> BaseSection:
    """Everything the page shows for one customer base."""
    return BaseSection(
        name=base,
        anchor=base_anchor(base),
        title=base_title(base),
        intro=base_intro(data.summary, data.centroids, data.diagnostics, base),
        cards=segment_cards(data.summary, data.profiles, base, has_orders=data.has_orders(base)),
        charts=base_charts(data, base),
        history=base_history(data, base),
    )


def render_report(data: ReportData, plotly_js: str, generated_at: datetime) -> tuple[str, int]:
    """The whole page and the number of charts it draws."""
    assign_page_colours(data.summary["persona_name"])
    bases = [base_section(data, base) for base in data.bases]
    quality = quality_charts(data)
    chart_count = sum(len(section.charts) for section in bases) + len(quality)
    built, run_fields = run_metadata(data.runs)
    counts = data.summary.groupby("customer_base")["customer_count"].sum()
    page = render_page(
        chart_count=chart_count,
        built=built,
        run_fields=run_fields,
        generated=generated_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        customers=" · ".join(f"{base} {fmt_int(counts[base])}" for base in data.bases),
        source_label=data.source_label,
        personas=list(persona_colour_map(data.summary["persona_name"]).items()),
        bases=bases,
        empty_bases=[
            {
                "name": empty.customer_base,
                "anchor": base_anchor(empty.customer_base),
                "title": base_title(empty.customer_base),
                "message": empty.message,
            }
            for empty in data.empty_bases
        ],
        source_counts=source_rows(data.source_counts),
        quality_charts=quality,
        font_stack=FONT_STACK,
        css=static_text("report.css"),
        js=static_text("report.js"),
        plotly_js=plotly_js,
        plotly_config=json.dumps(PLOTLY_CONFIG),
    )
    return page, chart_count

"""Print the segment summary of a built warehouse in the terminal: per base, each segment's
name, size, the features it was segmented on beside the base average (in their units), its
distinctive categories by lift, its description and its four recommendations."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass

import duckdb
from tabulate import tabulate

from segment_report.data import EmptyBase, empty_bases

#: A category is shown as distinctive of a segment from this lift, held by at least
#: MIN_CATEGORY_SHARE of it (the cut-offs of segment names and descriptions); a value as
#: common in the segment as in its base is never shown as distinctive.
DISTINCTIVE_LIFT = 1.5
MIN_CATEGORY_SHARE = 0.4

SEGMENT_COLUMNS = (
    "customer_base",
    "segment_id",
    "segment_key",
    "persona_name",
    "is_catalog_persona",
    "customer_count",
    "customer_share",
    "persona_description",
    "marketing_channel",
    "product_strategy",
    "engagement_action",
    "resource_allocation",
    "recommended_budget_share",
    "order_history_note",
)
FEATURE_COLUMNS = (
    "customer_base",
    "segment_id",
    "attribute_name",
    "attribute_kind",
    "attribute_value",
    "value_share",
    "lift",
    "mean_value",
    "base_mean_value",
)


@dataclass(frozen=True)
class Summary:
    """The rows the summary shows: one dict per segment, the segmented-on features, and the
    bases left without a segment because every customer row was rejected."""

    segments: list[dict[str, object]]
    features: list[dict[str, object]]
    empty: tuple[EmptyBase, ...] = ()


def summary_rows(database: str) -> Summary:
    """Segments ordered by base and segment, and the profile rows of the features each base
    was segmented on (segment_profiles)."""
    with duckdb.connect(database, read_only=True) as connection:
        segments = connection.sql(
            f"select {', '.join(SEGMENT_COLUMNS)} from segment_summary "
            "order by customer_base, segment_id"
        ).fetchall()
        features = connection.sql(
            f"select {', '.join(FEATURE_COLUMNS)} from segment_profiles where is_segment_feature "
            "order by customer_base, segment_id, attribute_name, value_rank nulls first"
        ).fetchall()
        empty = tuple(empty_bases(connection))
    return Summary(
        segments=[dict(zip(SEGMENT_COLUMNS, row, strict=True)) for row in segments],
        features=[dict(zip(FEATURE_COLUMNS, row, strict=True)) for row in features],
        empty=empty,
    )


def amount(attribute_name: str, value: object) -> str:
    """A value in its feature's unit: dollars for ``*_usd``, else one decimal."""
    if value is None:
        return ""
    if attribute_name.endswith("_usd"):
        return f"${float(value):,.0f}"  # type: ignore[arg-type]
    return f"{float(value):,.1f}"  # type: ignore[arg-type]


def distinctive_category(rows: list[dict[str, object]]) -> str:
    """The most lifted value of a categorical feature in a segment, e.g. ``PhD 62% (x2.1)``,
    or ``none`` when no value stands out against the base."""
    candidates = [
        row
        for row in rows
        if row["lift"] is not None
        and float(row["lift"]) >= DISTINCTIVE_LIFT  # type: ignore[arg-type]
        and float(row["value_share"]) >= MIN_CATEGORY_SHARE  # type: ignore[arg-type]
    ]
    if not candidates:
        return "none"
    best = max(candidates, key=lambda row: (row["lift"], row["value_share"]))
    return (
        f"{best['attribute_value']} {float(best['value_share']):.0%} (x{float(best['lift']):.1f})"  # type: ignore[arg-type]
    )


def feature_cells(
    features: list[dict[str, object]], base: str, segment_id: object
) -> dict[str, str]:
    """Per segmented-on feature of a base, the segment's cell: numeric ``mean (base mean)``,
    categorical the distinctive value by lift."""
    own = [r for r in features if r["customer_base"] == base and r["segment_id"] == segment_id]
    cells: dict[str, str] = {}
    for name in dict.fromkeys(str(r["attribute_name"]) for r in own):
        rows = [r for r in own if r["attribute_name"] == name]
        if rows[0]["attribute_kind"] == "numeric":
            row = rows[0]
            cells[name] = (
                f"{amount(name, row['mean_value'])} (base {amount(name, row['base_mean_value'])})"
            )
        else:
            cells[name] = distinctive_category(rows)
    return cells


def format_table(summary: Summary) -> str:
    """One block per base: a table of segments with the features they were segmented on
    beside the base average, then each segment's description and recommendations; a base
    whose every customer row was rejected is shown empty, with its rules."""
    blocks = []
    for base in sorted({str(s["customer_base"]) for s in summary.segments}):
        segments = [s for s in summary.segments if s["customer_base"] == base]
        cells = {
            s["segment_id"]: feature_cells(summary.features, base, s["segment_id"])
            for s in segments
        }
        names = list(dict.fromkeys(name for own in cells.values() for name in own))
        table = [
            [
                s["segment_key"],
                s["persona_name"],
                s["customer_count"],
                f"{float(s['customer_share']):.1%}",  # type: ignore[arg-type]
                *(cells[s["segment_id"]].get(name, "") for name in names),
                f"{float(s['recommended_budget_share']):.1%}",  # type: ignore[arg-type]
            ]
            for s in segments
        ]
        headers = ["segment", "name", "customers", "share", *names, "budget"]
        lines = [f"Customer base: {base}", tabulate(table, headers=headers)]
        for s in segments:
            kind = "catalog persona" if s["is_catalog_persona"] else "named from its profile"
            lines += [
                "",
                f"{s['segment_key']} {s['persona_name']} ({kind})",
                f"  {s['persona_description']}",
                f"  Marketing: {s['marketing_channel']}",
                f"  Product: {s['product_strategy']}",
                f"  Engagement: {s['engagement_action']}",
                f"  Resources: {s['resource_allocation']}",
            ]
            if s["order_history_note"]:
                lines.append(f"  Behaviour: {s['order_history_note']}")
        blocks.append("\n".join(lines))
    for empty in summary.empty:
        blocks.append(f"Customer base: {empty.customer_base} (empty)\n{empty.message}")
    return "\n\n".join(blocks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database",
        default=os.environ.get("SEGMENTS_SERVING_PATH", "warehouse/segments.duckdb"),
        help="DuckDB file holding the segment_summary and segment_profiles marts",
    )
    args = parser.parse_args()
    print(format_table(summary_rows(args.database)))
    return 0

"""Print the segment summary of a built warehouse as a readable table in the terminal."""

from __future__ import annotations

import argparse
import os
import sys

import duckdb
from tabulate import tabulate

COLUMNS = {
    "segment_key": "segment",
    "persona_name": "persona",
    "customer_count": "customers",
    "customer_share": "share",
    "mean_age": "age",
    "mean_annual_income_usd": "income $",
    "mean_spending_score": "spending",
    "loyalty_rate": "loyalty",
    "top_product_category": "top category",
    "order_history_note": "behaviour",
}


def shown(value: object, template: str) -> str:
    """A value formatted for the table; empty where the base has no such column."""
    return "" if value is None else template.format(value)


def summary_rows(database: str) -> list[tuple]:
    """The summary rows, ordered by base and segment."""
    with duckdb.connect(database, read_only=True) as connection:
        return connection.sql(
            f"select customer_base, {', '.join(COLUMNS)} from segment_summary "
            "order by customer_base, segment_id"
        ).fetchall()


def format_table(rows: list[tuple]) -> str:
    """One table per base; shares as percentages, money rounded to the dollar, and empty
    cells where a base has no such column."""
    blocks = []
    for base in sorted({row[0] for row in rows}):
        table = []
        for row in (r[1:] for r in rows if r[0] == base):
            record = dict(zip(COLUMNS, row, strict=True))
            table.append(
                [
                    record["segment_key"],
                    record["persona_name"],
                    record["customer_count"],
                    shown(record["customer_share"], "{:.1%}"),
                    shown(record["mean_age"], "{:.1f}"),
                    shown(record["mean_annual_income_usd"], "{:,.0f}"),
                    shown(record["mean_spending_score"], "{:.1f}"),
                    shown(record["loyalty_rate"], "{:.0%}"),
                    record["top_product_category"] or "",
                    record["order_history_note"] or "",
                ]
            )
        blocks.append(f"Customer base: {base}\n" + tabulate(table, headers=list(COLUMNS.values())))
    return "\n\n".join(blocks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--database",
        default=os.environ.get("SEGMENTS_SERVING_PATH", "warehouse/segments.duckdb"),
        help="DuckDB file holding the segment_summary mart",
    )
    args = parser.parse_args()
    print(format_table(summary_rows(args.database)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

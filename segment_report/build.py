"""Build the report: read the published marts, render the page, write one HTML file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from plotly.offline import get_plotlyjs

from segment_report.data import SAMPLE_PER_BASE, connect_marts, load_report_data
from segment_report.page import render_report


def build_report(
    out: Path,
    database: Path | None = None,
    parquet_dir: Path | None = None,
    per_base: int = SAMPLE_PER_BASE,
) -> int:
    """Read the marts, write the HTML report to `out`; returns the number of charts."""
    if database is not None:
        label = database.name
    elif parquet_dir is not None:
        label = f"{parquet_dir.name}/ (Parquet)"
    else:
        raise ValueError("give a database file or a Parquet folder")
    with connect_marts(database, parquet_dir) as connection:
        data = load_report_data(connection, label, per_base)
    page, chart_count = render_report(data, get_plotlyjs(), datetime.now(UTC))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return chart_count

"""Build the offline segment report: one self-contained HTML file from the published marts.

The report reads only the serving marts, either from the DuckDB file (opened read-only) or
from a folder of Parquet files named ``<mart>.parquet``; customer-level charts use a bounded,
deterministic sample per customer base. plotly.js is embedded once; the file makes no network
request and uses system fonts only. The work is done by the ``segment_report`` package.

    python scripts/build_report.py --database warehouse/segments.duckdb --out reports/segments.html
    python scripts/build_report.py --parquet-dir warehouse/marts --out reports/segments.html
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from segment_report.build import build_report
from segment_report.data import SAMPLE_PER_BASE
from segment_report.screenshot import take_screenshot


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--database", type=Path, help="serving DuckDB file (opened read-only)")
    source.add_argument("--parquet-dir", type=Path, help="folder of <mart>.parquet files")
    parser.add_argument("--out", type=Path, default=Path("reports/segments.html"))
    parser.add_argument(
        "--sample-size",
        type=int,
        default=SAMPLE_PER_BASE,
        help=f"customers per base for the customer-level charts (default {SAMPLE_PER_BASE})",
    )
    parser.add_argument(
        "--screenshot", type=Path, help="also save a full-page PNG of the report (Chromium)"
    )
    parser.add_argument(
        "--screenshot-height", type=int, help="keep only the top of the page, in pixels"
    )
    args = parser.parse_args(argv)
    database = args.database
    if database is None and args.parquet_dir is None:
        database = Path("warehouse/segments.duckdb")
    started = time.perf_counter()
    try:
        charts = build_report(args.out, database, args.parquet_dir, args.sample_size)
    except (FileNotFoundError, LookupError, ValueError) as error:
        print(f"build_report: {error}", file=sys.stderr)
        return 1
    size = args.out.stat().st_size / 1e6
    print(
        f"wrote {args.out} ({size:.1f} MB, {charts} charts) "
        f"in {time.perf_counter() - started:.1f} s"
    )
    if args.screenshot:
        take_screenshot(args.out, args.screenshot, height=args.screenshot_height)
        print(f"wrote {args.screenshot}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

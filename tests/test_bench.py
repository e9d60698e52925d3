"""The benchmark's report logic (no timing here: the numbers live in BENCHMARKS.md)."""

from __future__ import annotations

import sys
from pathlib import Path

from benchmark import contenders, report, settings

PROJECT_DIR = Path(__file__).resolve().parents[1]

HOST = {
    "cpu": "test CPU",
    "cores": 2,
    "memory_gb": 24,
    "kernel": "6",
    "python": "3.11",
    "duckdb": "2.0.0",
    "dbt_core": "1.11",
    "pandas": "3",
    "scikit_learn": "1.9",
}


def measured(seconds: float, peak_mb: float) -> dict:
    return {
        "returncode": 0,
        "wall_seconds": seconds,
        "peak_mb": peak_mb,
        "cpu_seconds": seconds,
        "load_before": 0.5,
    }


def result(
    rows: int,
    notebook_s: float,
    ours_s: float,
    ours_mb: float,
    inertia: float,
    notebook_csv_s: float | None = None,
    floor_s: float = 2.0,
) -> dict:
    return {
        "rows": rows,
        "fmt": "csv",
        "k": 5,
        "measured_at": "2026-01-01 00:00 UTC",
        "file_mb": 1.0,
        "generate_seconds": 1.0,
        "read": measured(1.0, 100),
        "floor": measured(floor_s, 300),
        "notebook_csv": measured(notebook_csv_s or notebook_s, 2500),
        "notebook": measured(notebook_s, 2000),
        "pipeline": measured(ours_s, ours_mb),
        "quality": {
            "inertia_ratio": inertia,
            "ari": 0.99,
            "inertia_full_fit": 100.0,
            "inertia_ours": 100.0 * inertia,
            "ari_rows": rows,
        },
        "profile": None,
        "notes": [],
    }


def test_targets_say_which_are_met() -> None:
    lines = report.targets([result(10_000_000, 30.0, 20.0, 900.0, 1.0005, notebook_csv_s=35.0)])
    text = "\n".join(lines)
    assert "10M csv, at most half the notebook's wall time (CSV out): 0.57: **not met**" in text
    assert "10M csv, no slower than the notebook writing Parquet: 0.67: **met**" in text
    assert "10M csv, peak memory at most 1 GB: 900 MB: **met**" in text
    assert "10M csv, inertia within 1% of the full fit: +0.050%: **met**" in text


def with_lean_build(base: dict, seconds: float, peak_mb: float) -> dict:
    setting = {"SEGMENTS_MEMORY_LIMIT": "500MB", "SEGMENTS_THREADS": "1"}
    return {**base, "pipeline_lean": {**measured(seconds, peak_mb), "setting": setting}}


def test_the_lean_build_meets_the_memory_target_within_its_cost() -> None:
    base = result(10_000_000, 30.0, 100.0, 1500.0, 1.0)
    cheap = "\n".join(report.targets([with_lean_build(base, 110.0, 990.0)]))
    costly = "\n".join(report.targets([with_lean_build(base, 120.0, 990.0)]))
    large = "\n".join(report.targets([with_lean_build(base, 101.0, 1100.0)]))
    setting = "`SEGMENTS_MEMORY_LIMIT=500MB SEGMENTS_THREADS=1`"
    assert f"peak memory at most 1 GB with {setting}, costing at most 15% wall time: " in cheap
    assert "990 MB, +10.0%: **met**" in cheap
    assert "990 MB, +20.0%: **not met**" in costly
    assert "1,100 MB, +1.0%: **not met**" in large
    assert "10M csv, peak memory at most 1 GB: 1,500 MB: **not met**" in cheap


def test_the_lean_build_has_its_own_table() -> None:
    text = report.render(
        [with_lean_build(result(10_000_000, 30.0, 100.0, 1500.0, 1.0), 110.0, 990.0)],
        HOST,
        "make bench",
    )
    setting = "`SEGMENTS_MEMORY_LIMIT=500MB SEGMENTS_THREADS=1`"
    row = f"| 10,000,000 | csv | {setting} | 110.0 (990) | +10.0% |"
    assert row in text
    assert "### Lean memory setting" not in report.render(
        [result(10_000_000, 30.0, 100.0, 1500.0, 1.0)], HOST, "make bench"
    )


def test_targets_at_1m_compare_with_the_notebook_only() -> None:
    text = "\n".join(report.targets([result(1_000_000, 3.0, 2.5, 2000.0, 1.5)]))
    assert "1M csv, no slower than the notebook (CSV out): 0.83: **met**" in text
    assert "peak memory" not in text and "inertia" not in text


def test_no_targets_without_our_build() -> None:
    assert report.targets([{**result(10_000_000, 3.0, 1.0, 1.0, 1.0), "pipeline": None}]) == []


def test_a_failed_notebook_sets_no_ratio() -> None:
    failed = result(10_000_000, 30.0, 20.0, 900.0, 1.0)
    failed["notebook_csv"] = {**failed["notebook_csv"], "returncode": 137}
    text = report.render([failed], HOST, "make bench")
    assert "| failed |" in text
    assert "(CSV out)" not in "\n".join(report.targets([failed]))


def test_results_survive_a_rewrite(tmp_path: Path) -> None:
    """Results kept in the file come back, so a later run for other sizes adds rows."""
    out = tmp_path / "BENCHMARKS.md"
    results = [result(1_000_000, 3.0, 9.0, 500.0, 1.0), result(10_000_000, 30.0, 90.0, 900.0, 1.0)]
    out.write_text(report.render(results, HOST, "make bench"))

    kept = report.load_previous(out)

    assert kept["results"] == results
    assert kept["command"] == "make bench"
    assert (
        "| 10,000,000 | csv | 1.0 (100) | 2.0 (300) | 30.0 (2,500) | 30.0 (2,000) | 90.0 (900) "
        "| 3.00 | 3.00 | 45.00 |" in out.read_text()
    )


def test_floor_applies_the_pipeline_rules() -> None:
    """The floor's SQL filters on every rule the notebook applies, duplicates included."""
    sql = contenders.floor_sql("customers.csv", "csv")["customers"]
    for fragment in (
        f"age between {settings.MIN_AGE} and {settings.MAX_AGE}",
        f"income <= {settings.MAX_INCOME}",
        f"score between {settings.MIN_SCORE} and {settings.MAX_SCORE}",
        f"age - {settings.MIN_WORKING_AGE}",
        f"family between 1 and {settings.MAX_FAMILY_SIZE}",
        "having count(*) > 1",
    ):
        assert fragment in sql


def test_floor_and_notebook_keep_the_same_customers(tmp_path: Path) -> None:
    """On a small generated file the floor assigns exactly the rows the notebook keeps."""
    import json
    import subprocess

    import duckdb

    subprocess.run(
        [sys.executable, str(PROJECT_DIR / "scripts" / "generate_data.py"), "scale",
         "--rows", "5000", "--format", "csv", "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    source = str(tmp_path / "shop_customers.csv")
    contenders.run_floor(source, "csv", 3, 2, 42, 1000, "200MB", 1, tmp_path / "floor")
    contenders.run_notebook(source, "csv", 3, 2, 42, tmp_path / "notebook", "csv")

    kept = json.loads((tmp_path / "notebook" / "notebook.json").read_text())["rows"]
    with duckdb.connect(str(tmp_path / "floor" / "floor.duckdb"), read_only=True) as connection:
        assigned, segments = connection.execute(
            "select count(*), count(distinct segment) from assignments"
        ).fetchone()
    assert assigned == kept > 0
    assert segments == 3


def test_the_profile_is_shown_from_the_target_size_up() -> None:
    profile = {
        "elapsed_seconds": 9.0,
        "startup_seconds": 1.0,
        "node_count": 3,
        "by_kind": {"SQL model": 8.0},
        "top_nodes": [{"node": "customer_segments", "kind": "SQL model", "seconds": 8.0}],
    }
    sizes = (1_000_000, 10_000_000, 100_000_000)
    results = [{**result(rows, 3.0, 10.0, 500.0, 1.0), "profile": profile} for rows in sizes]
    text = report.render(results, HOST, "make bench")
    assert "the 10,000,000-customer `dbt build`" in text
    assert "the 100,000,000-customer `dbt build`" in text
    assert "the 1,000,000-customer" not in text
    only_small = report.render(results[:1], HOST, "make bench")
    assert "the 1,000,000-customer `dbt build`" in only_small

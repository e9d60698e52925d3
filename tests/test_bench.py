"""The benchmark's report logic (no timing here: the numbers live in BENCHMARKS.md)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

PROJECT_DIR = Path(__file__).resolve().parents[1]


def _load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench", PROJECT_DIR / "scripts" / "bench.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


bench = _load_bench()

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


def result(rows: int, notebook_s: float, ours_s: float, ours_mb: float, inertia: float) -> dict:
    return {
        "rows": rows,
        "fmt": "csv",
        "k": 5,
        "measured_at": "2026-01-01 00:00 UTC",
        "file_mb": 1.0,
        "generate_seconds": 1.0,
        "read": measured(1.0, 100),
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
    lines = bench.targets([result(10_000_000, 30.0, 150.0, 900.0, 1.0005)])
    text = "\n".join(lines)
    assert "1/3 of the notebook's: 5.00: **not met**" in text
    assert "at most 1 GB: 900 MB: **met**" in text
    assert "within 1% of the full fit: +0.050%: **met**" in text


def test_targets_only_for_the_target_size() -> None:
    assert bench.targets([result(1_000_000, 3.0, 1.0, 2000.0, 1.5)]) == []


def test_results_survive_a_rewrite(tmp_path: Path) -> None:
    """Results kept in the file come back, so a later run for other sizes adds rows."""
    out = tmp_path / "BENCHMARKS.md"
    results = [result(1_000_000, 3.0, 9.0, 500.0, 1.0), result(10_000_000, 30.0, 90.0, 900.0, 1.0)]
    out.write_text(bench.render(results, HOST, "make bench"))

    kept = bench.load_previous(out)

    assert kept["results"] == results
    assert kept["command"] == "make bench"
    assert "| 10,000,000 | csv | 1.0 | 30.0 | 2,000 | 90.0 | 900 | 3.00 |" in out.read_text()

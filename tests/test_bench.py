"""The benchmark: its report logic, its contenders' rules and the dbt-alone project (no timing
here: the numbers live in BENCHMARKS.md)."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest
from conftest import Run, run_dbt

from benchmark import contenders, dbt_alone, report, settings

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
        "| 10,000,000 | csv | 1.0 (100) | 2.0 (300) | 30.0 (2,500) | 30.0 (2,000) | - | 90.0 (900) "
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


# --------------------------------------------------------------------------
# dbt alone: our build's nodes doing next to no work
# --------------------------------------------------------------------------


def _node_shape(manifest: dict, package: str) -> tuple[dict, Counter]:
    """Each seed and model by name (kind, language, materialisation, contract, parents) and
    the data tests counted by the models they read."""
    nodes = {
        n["name"]: n
        for n in manifest["nodes"].values()
        if n["package_name"] == package and n["resource_type"] in ("seed", "model")
    }

    def parents(node: dict) -> tuple[str, ...]:
        return tuple(
            sorted({p.rsplit(".", 1)[1] for p in node["depends_on"].get("nodes", [])} & set(nodes))
        )

    shape = {
        name: (
            n["resource_type"],
            n.get("language"),
            n["config"]["materialized"],
            bool(n["config"].get("contract", {}).get("enforced")),
            parents(n),
        )
        for name, n in nodes.items()
    }
    tests = Counter(
        parents(n)
        for n in manifest["nodes"].values()
        if n["package_name"] == package and n["resource_type"] == "test"
    )
    return shape, tests


def test_dbt_alone_has_the_shape_of_our_build(pipeline_run: Run, tmp_path: Path) -> None:
    """The stand-in project has a node for each seed and model of the main job's build, with
    the same kind, language, materialisation, contract and parents, and as many data tests
    reading the same models; every stand-in builds and every test passes."""
    ours = json.loads((pipeline_run.work / "target" / "manifest.json").read_text())
    project = tmp_path / "project"
    shape = dbt_alone.write_project(ours, project, tmp_path / "alone.duckdb")
    built = run_dbt(
        ["build"], tmp_path, project_dir=project, extra_env={"DBT_PROFILES_DIR": str(project)}
    )
    assert built.ok, built.output[-3000:]
    # The second run, as the benchmark's: partial parse, incremental models updated.
    again = run_dbt(
        ["build"], tmp_path, project_dir=project, extra_env={"DBT_PROFILES_DIR": str(project)}
    )
    assert again.ok, again.output[-3000:]
    stand_in = json.loads((tmp_path / "target" / "manifest.json").read_text())
    assert _node_shape(stand_in, dbt_alone.PROJECT_NAME) == _node_shape(
        ours, "customer_segmentation"
    )
    our_tests = sum(1 for n in ours["nodes"].values() if n["resource_type"] == "test")
    assert shape.data_tests == our_tests
    assert shape.python_models == 3
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    assert len(results) == shape.nodes
    assert {r["status"] for r in results} == {"success", "pass"}


def test_the_report_adds_dbt_alone_to_the_floor() -> None:
    """dbt alone's runs, the smallest project, and each added to the floor, beside our build
    and both notebooks; the targets give dbt alone's ratio next to ours."""
    shape = {"seeds": 5, "sql_models": 37, "python_models": 3, "data_tests": 237}
    measured_10m = {
        **result(10_000_000, 20.0, 120.0, 1400.0, 1.0001, notebook_csv_s=30.0, floor_s=13.0),
        "dbt_alone": {**measured(22.0, 400), "shape": shape},
        "dbt_alone_second": measured(18.5, 400),
        "dbt_smallest": measured(4.5, 150),
    }
    text = report.render([measured_10m], HOST, "make bench")
    assert "| 10,000,000 | csv | 22.0 | 18.5 | 35.0 | 4.5 | 17.5 | 120.0 | 30.0 | 20.0 |" in text
    assert "5 seeds, 37 SQL models, 3 Python models, 237 data tests" in text
    assert "half the notebook's wall time (CSV out): 4.00 (floor + dbt alone: 1.17)" in text
    assert "no slower than the notebook writing Parquet: 6.00 (floor + dbt alone: 1.75)" in text
    assert (
        "10M, at most half the notebook's wall time (CSV out): 15.0 s or less here; out of reach "
        "of any dbt build, which takes about 17.5 s (the floor and the smallest dbt project)."
    ) in text
    assert (
        "10M, no slower than the notebook writing Parquet: 20.0 s or less here; out of reach of "
        "a dbt build of this shape, which takes about 35.0 s (the floor and dbt alone)."
    ) in text
    slow_notebook = {
        **result(1_000_000, 50.0, 40.0, 800.0, 1.0, floor_s=2.0),
        "dbt_alone": {**measured(22.0, 400), "shape": shape},
        "dbt_smallest": measured(4.5, 150),
    }
    assert (
        "1M, no slower than the notebook (CSV out): 50.0 s or less here; within reach of dbt's "
        "own cost (24.0 s with the floor)."
    ) in report.render([slow_notebook], HOST, "make bench")
    without = report.render([result(10_000_000, 20.0, 120.0, 1400.0, 1.0001)], HOST, "make bench")
    assert "### dbt alone" not in without


def test_dbt_alone_refuses_a_test_it_cannot_stand_in_for(tmp_path: Path) -> None:
    """A test reading no model, or more than three models and seeds, is refused rather than
    left out or cut short (the stand-in would then cost less than ours)."""

    def node(kind: str, name: str, parents: list[str]) -> dict:
        return {
            "resource_type": kind,
            "package_name": "shop",
            "name": name,
            "language": "sql",
            "config": {"materialized": "table" if kind == "model" else kind},
            "depends_on": {"nodes": parents},
        }

    models = {f"model.shop.m{i}": node("model", f"m{i}", []) for i in range(4)}
    too_many = node("test", "wide", list(models))
    seed_only = node("test", "raw_only", ["seed.shop.raw"])
    for test in (too_many, seed_only):
        manifest = {
            "metadata": {"project_name": "shop"},
            "nodes": {**models, "seed.shop.raw": node("seed", "raw", []), "test.shop.t": test},
        }
        with pytest.raises(ValueError, match="a stand-in test reads one model"):
            dbt_alone.write_project(manifest, tmp_path / test["name"], tmp_path / "a.duckdb")
    fine = {"metadata": {"project_name": "shop"}, "nodes": {**models}}
    assert dbt_alone.write_project(fine, tmp_path / "fine", tmp_path / "a.duckdb").sql_models == 4

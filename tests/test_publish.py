"""Serving and reliability: readers never block a build nor see a half-published run."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import PROJECT_DIR, Run, environment, query, run_pipeline

# An old DuckDB client, as BI tools embed; the serving file must open in it.
DUCKDB_1X = "duckdb==1.1.3"
# Thresholds the demo shop file (17% rejected) exceeds: the build runs and its test fails.
FAILING_THRESHOLDS = {
    "rejected_share_error_threshold": 0.01,
    "rejected_share_warn_threshold": 0.005,
}


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def published_state(run: Run) -> dict[str, str]:
    """Fingerprints of everything a BI user or an audience sync reads."""
    state = {"serving": digest(run.serving_db), "parquet_target": os.readlink(run.parquet_dir)}
    for parquet in sorted(run.parquet_dir.glob("*.parquet")):
        state[parquet.name] = digest(parquet)
    for audience in sorted(run.parquet_dir.glob("audiences/*/*.csv")):
        state[str(audience.relative_to(run.parquet_dir))] = digest(audience)
    return state


@pytest.fixture
def published(tmp_path: Path) -> Run:
    run = run_pipeline(tmp_path)
    assert run.ok, run.output[-4000:]
    return run


def test_reader_holding_the_serving_file_does_not_block_a_rebuild(published: Run) -> None:
    with duckdb.connect(str(published.serving_db), read_only=True) as reader:
        [(first_run,)] = reader.sql("select run_id from segmentation_runs").fetchall()
        before = reader.sql("select * from segment_summary order by all").fetchall()

        second = run_pipeline(published.work)

        assert second.ok, second.output[-4000:]
        # The open connection still reads the run it opened: old marts, never a mix.
        assert reader.sql("select run_id from segmentation_runs").fetchall() == [(first_run,)]
        assert reader.sql("select * from segment_summary order by all").fetchall() == before
    runs = query(published.serving_db, "select run_id from segmentation_runs order by started_at")
    assert len(runs) == 2 and runs[0] == (first_run,)
    finished = query(published.serving_db, "select count(finished_at) from segmentation_runs")
    assert finished == [(2,)]


def test_failed_build_leaves_the_published_marts_untouched(published: Run) -> None:
    before = published_state(published)

    failed = run_pipeline(published.work, dbt_vars=FAILING_THRESHOLDS)

    assert failed.returncode == 1
    assert "rejected_share_below_error_threshold" in failed.output
    assert (
        "A model or test failed (1 failed: rejected_share_below_error_threshold; " in failed.output
    )
    assert "nothing was published" in failed.output
    assert "still holds run" in failed.output
    assert published_state(published) == before


def publish_again(run: Run, relative: bool = False) -> subprocess.CompletedProcess[str]:
    """`make publish`: scripts/publish.py with the run's locations (relative to its folder)."""
    variables = environment(run.work)
    if relative:
        for name in ["SEGMENTS_DB_PATH", "SEGMENTS_SERVING_PATH", "SEGMENTS_PARQUET_DIR"]:
            variables[name] = os.path.relpath(variables[name], run.work)
        variables["DBT_TARGET_PATH"] = "target"
    return subprocess.run(
        [sys.executable, str(PROJECT_DIR / "scripts" / "publish.py")],
        cwd=run.work,
        env=variables,
        capture_output=True,
        text=True,
        check=False,
    )


def test_publish_after_a_failed_build_is_refused(published: Run) -> None:
    failed = run_pipeline(published.work, dbt_vars=FAILING_THRESHOLDS)
    assert not failed.ok and "rejected_share_below_error_threshold" in failed.output
    before = published_state(published)

    again = publish_again(published)

    assert again.returncode == 3
    assert again.stderr.startswith("The last build had ")
    assert again.stderr.endswith(": nothing was published; run `make run`.\n")
    assert published_state(published) == before


def test_republishing_keeps_the_folder_readers_may_be_in(published: Run) -> None:
    first_folder = published.parquet_dir.resolve()
    for _ in range(2):
        again = publish_again(published, relative=True)
        assert again.returncode == 0, again.stderr
    folders = sorted(path.name for path in published.work.glob("marts-*"))
    current = published.parquet_dir.resolve()
    assert len(folders) == 2, folders
    assert current.name in folders and current != first_folder
    assert (current / "segment_summary.parquet").exists()
    [(runs,)] = query(published.serving_db, "select count(*) from segmentation_runs")
    assert runs == 1


def test_bad_setting_is_refused_before_any_model_runs(published: Run) -> None:
    before = published_state(published)

    failed = run_pipeline(published.work, dbt_vars={"segment_features": ["age", "shoe_size"]})

    assert failed.returncode == 2
    assert "dbt stopped before building anything" in failed.output
    assert "base 'mall': feature 'shoe_size' is not a mapped numeric column" in failed.output
    assert "numeric columns available: age, annual_income_usd" in failed.output
    assert "START sql" not in failed.output
    assert published_state(published) == before


def test_serving_file_opens_in_a_duckdb_1x_client(pipeline_run: Run, tmp_path: Path) -> None:
    environment = tmp_path / "duckdb1"
    subprocess.run([sys.executable, "-m", "venv", str(environment)], check=True)
    install = subprocess.run(
        [str(environment / "bin" / "pip"), "install", "--quiet", DUCKDB_1X],
        capture_output=True,
        text=True,
        check=False,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    reader = (
        "import duckdb, sys\n"
        "connection = duckdb.connect(sys.argv[1], read_only=True)\n"
        "print(duckdb.__version__, connection.sql("
        "'select count(*) from segment_summary').fetchall()[0][0])\n"
    )
    result = subprocess.run(
        [str(environment / "bin" / "python"), "-c", reader, str(pipeline_run.serving_db)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    version, segment_count = result.stdout.split()
    assert version.startswith("1.")
    assert (
        int(segment_count)
        == query(pipeline_run.serving_db, "select count(*) from segment_summary")[0][0]
    )

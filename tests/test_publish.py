"""Serving and reliability: readers never block a build nor see a half-published run."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import Run, query, run_pipeline

# An old DuckDB client, as BI tools embed; the serving file must open in it.
DUCKDB_1X = "duckdb==1.1.3"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def published_state(run: Run) -> dict[str, str]:
    """Fingerprints of everything a BI user reads."""
    state = {"serving": digest(run.serving_db), "parquet_target": os.readlink(run.parquet_dir)}
    for parquet in sorted(run.parquet_dir.glob("*.parquet")):
        state[parquet.name] = digest(parquet)
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

    failed = run_pipeline(published.work, dbt_vars={"rejected_share_error_threshold": 0.01})

    assert not failed.ok
    assert "nothing was published" in failed.output
    assert "still holds run" in failed.output
    assert published_state(published) == before


def test_bad_setting_is_refused_before_any_model_runs(published: Run) -> None:
    before = published_state(published)

    failed = run_pipeline(published.work, dbt_vars={"segment_features": ["age", "shoe_size"]})

    assert not failed.ok
    assert "Unknown segment feature 'shoe_size'" in failed.output
    assert "allowed features: age, annual_income_usd" in failed.output
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

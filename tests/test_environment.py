"""The environment variables profiles.yml reads are checked before dbt starts: a bad value is
one line naming the variable, what it holds and what it takes, not a dbt traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PROJECT_DIR, environment

from pipeline import run as run_pipeline

SCRIPTS = PROJECT_DIR / "scripts"


def test_the_shipped_defaults_are_accepted(tmp_path: Path) -> None:
    assert run_pipeline.environment_problems(environment(tmp_path)) == []


@pytest.mark.parametrize("limit", ["400MB", "4GB", "1.5GiB", "80%", "2 GB"])
def test_memory_limits_duckdb_takes_are_accepted(tmp_path: Path, limit: str) -> None:
    env = environment(tmp_path, {"SEGMENTS_MEMORY_LIMIT": limit})
    assert run_pipeline.environment_problems(env) == []


BAD = {
    "threads_in_words": (
        {"SEGMENTS_THREADS": "two"},
        "SEGMENTS_THREADS is 'two'; it takes a whole number of at least 1",
    ),
    "zero_duckdb_threads": (
        {"SEGMENTS_DUCKDB_THREADS": "0"},
        "SEGMENTS_DUCKDB_THREADS is '0'; it takes a whole number of at least 1",
    ),
    "memory_in_words": (
        {"SEGMENTS_MEMORY_LIMIT": "lots"},
        "SEGMENTS_MEMORY_LIMIT is 'lots'; it takes a size with a unit",
    ),
    "missing_folder": (
        {"SEGMENTS_DB_PATH": "/nonexistent/folder/build.duckdb"},
        "SEGMENTS_DB_PATH points into the folder '/nonexistent/folder', which does not exist",
    ),
}


@pytest.mark.parametrize("case", BAD)
def test_a_bad_variable_is_refused_in_one_line_before_dbt_starts(tmp_path: Path, case: str) -> None:
    variables, message = BAD[case]
    env = environment(tmp_path, variables)
    [problem] = run_pipeline.environment_problems(env)
    assert problem.startswith(message)

    completed = run_pipeline_process(env)

    assert completed.returncode == run_pipeline.EXIT_NOT_STARTED
    assert completed.stderr.startswith(f"Not started: {message}")
    assert "Traceback" not in completed.stderr
    assert not (tmp_path / "build.duckdb").exists()


def run_pipeline_process(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPTS / "run_pipeline.py")],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

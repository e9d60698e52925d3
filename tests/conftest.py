"""Shared pytest fixtures: run the dbt project and the pipeline on throw-away DuckDB files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import yaml

PROJECT_DIR = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DBT = BIN / "dbt"
# What a copy of the project needs; never the virtual environment or build output.
PROJECT_FILES = [
    "dbt_project.yml",
    "profiles.yml",
    "models",
    "segmentation",
    "macros",
    "seeds",
    "tests/generic",
    "scripts",
]


@dataclass
class Run:
    """The outcome of one dbt or pipeline invocation and where it wrote."""

    returncode: int
    output: str
    work: Path
    #: Peak resident memory of the dbt process (kernel high-water mark), where measured.
    peak_mb: float | None = None

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def build_db(self) -> Path:
        return self.work / "build.duckdb"

    @property
    def serving_db(self) -> Path:
        return self.work / "segments.duckdb"

    @property
    def parquet_dir(self) -> Path:
        return self.work / "marts"

    @property
    def report(self) -> Path:
        return self.work / "segments.html"


def environment(work: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Variables that point dbt, the publish step and the report at `work`."""
    return {
        **os.environ,
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        "SEGMENTS_DB_PATH": str(work / "build.duckdb"),
        "SEGMENTS_SERVING_PATH": str(work / "segments.duckdb"),
        "SEGMENTS_PARQUET_DIR": str(work / "marts"),
        "SEGMENTS_REPORT_PATH": str(work / "segments.html"),
        **(extra or {}),
    }


def run_dbt(
    args: list[str],
    work: Path,
    *,
    project_dir: Path = PROJECT_DIR,
    dbt_vars: dict | None = None,
    extra_env: dict[str, str] | None = None,
) -> Run:
    """Run `dbt <args>` in a subprocess with its database, target and logs under `work`;
    the Run holds its output (stdout and stderr) and its peak resident memory."""
    work.mkdir(parents=True, exist_ok=True)
    command = [str(DBT), *args, "--project-dir", str(project_dir)]
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    with tempfile.TemporaryFile("w+") as output:
        process = subprocess.Popen(
            command,
            cwd=project_dir,
            env=environment(work, extra_env),
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read()
    # ru_maxrss is in KiB on Linux.
    return Run(process.returncode, text, work, peak_mb=usage.ru_maxrss / 1024)


def run_pipeline(work: Path, *, dbt_vars: dict | None = None) -> Run:
    """Run the main job (`make run`'s script): build, publish, summary, report."""
    work.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, str(PROJECT_DIR / "scripts" / "run_pipeline.py")]
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    completed = subprocess.run(
        command,
        cwd=PROJECT_DIR,
        env=environment(work),
        capture_output=True,
        text=True,
        check=False,
    )
    return Run(completed.returncode, completed.stdout + completed.stderr, work)


def query(database: Path, sql: str) -> list[tuple]:
    """Rows of a query on a built database, opened read-only."""
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.sql(sql).fetchall()


def mart_contents(database: Path, marts: list[str]) -> dict[str, list[tuple]]:
    """Every row of every named table, in a fixed order."""
    with duckdb.connect(str(database), read_only=True) as connection:
        return {
            mart: connection.sql(f"select * from {mart} order by all").fetchall() for mart in marts
        }


def copy_project(destination: Path) -> Path:
    """A copy of the project's sources, for tests that change a seed or a file in place."""
    for name in PROJECT_FILES:
        source = PROJECT_DIR / name
        if not source.exists():
            continue
        if source.is_dir():
            shutil.copytree(
                source, destination / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


@pytest.fixture(scope="session")
def pipeline_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """The main job run once on the seeds: build, publish, report. Tests only read it."""
    run = run_pipeline(tmp_path_factory.mktemp("pipeline"))
    assert run.ok, run.output[-6000:]
    return run


@pytest.fixture(scope="session")
def built_warehouse(pipeline_run: Run) -> Path:
    """The build database of the main job: every staging, intermediate and mart model."""
    return pipeline_run.build_db


def demo_registry() -> dict:
    """The shipped registry of customer bases (var customer_bases in dbt_project.yml), to
    copy and change in a test the way a user would."""
    project = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))
    return project["vars"]["customer_bases"]

"""Shared pytest fixtures: run the dbt project on throw-away DuckDB files."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]
DBT = Path(sys.executable).with_name("dbt")
# What a copy of the project needs; never the virtual environment or build output.
PROJECT_FILES = [
    "dbt_project.yml",
    "profiles.yml",
    "models",
    "python_models",
    "segmentation",
    "macros",
    "seeds",
    "tests/generic",
    "scripts",
]


@dataclass
class DbtResult:
    """The outcome of one dbt invocation."""

    returncode: int
    output: str
    database: Path

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def run_dbt(
    args: list[str],
    database: Path,
    *,
    project_dir: Path = PROJECT_DIR,
    dbt_vars: dict | None = None,
    env: dict[str, str] | None = None,
) -> DbtResult:
    """Run dbt in a subprocess against `database`, with its own target and log folders."""
    work = database.parent
    command = [
        str(DBT),
        *args,
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
        "--target-path",
        str(work / f"target-{database.stem}"),
        "--log-path",
        str(work / f"logs-{database.stem}"),
    ]
    if dbt_vars:
        command += ["--vars", json.dumps(dbt_vars)]
    environment = {
        **os.environ,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "SEGMENTS_DB_PATH": str(database),
        **(env or {}),
    }
    completed = subprocess.run(
        command,
        cwd=project_dir,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    return DbtResult(completed.returncode, completed.stdout + completed.stderr, database)


def query(database: Path, sql: str) -> list[tuple]:
    """Rows of a query on a built database, opened read-only."""
    with duckdb.connect(str(database), read_only=True) as connection:
        return connection.sql(sql).fetchall()


def copy_project(destination: Path) -> Path:
    """A copy of the project's sources, for tests that change a seed or a file in place."""
    for name in PROJECT_FILES:
        source = PROJECT_DIR / name
        if not source.exists():
            continue
        if source.is_dir():
            shutil.copytree(source, destination / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project built once with `dbt build` on its seeds; tests read it read-only."""
    database = tmp_path_factory.mktemp("warehouse") / "segments.duckdb"
    result = run_dbt(["build"], database)
    assert result.ok, result.output[-5000:]
    return database

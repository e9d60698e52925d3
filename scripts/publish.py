"""Publish the marts of a passing build to the serving database and to Parquet, atomically.

BI tools open the serving database (read-only) or the Parquet files; dbt never writes to
either. Only after a `dbt build` whose every node passed (its run_results.json says so, and
the build database holds that run), this script:

1. copies every mart of the build database into a new DuckDB file beside the serving one,
   written for DuckDB 1.x readers (``storage_compatibility_version``), rows in a fixed order;
   ``segmentation_runs`` gets the history of earlier published runs plus this run;
2. writes one Parquet file per mart into a new folder, from that new file;
3. renames the new file over the serving file (one atomic step: a reader sees either the old
   marts or the new ones, never a mix, and a reader holding the old file keeps reading it),
   then switches the ``marts`` link to the new folder (also one atomic step). The folder the
   link pointed to before is kept for readers still in it; older ones are removed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

import duckdb

# DuckDB 1.0 and later can open files written with this storage version.
STORAGE_COMPATIBILITY_VERSION = "v1.0.0"
RUNS_MART = "segmentation_runs"
FAILED_STATUSES = {"error", "fail", "runtime error", "skipped"}


class PublishRefused(Exception):
    """The build is not one that may be published; the message says why."""


def passed_build_run_id(run_results_path: Path) -> str:
    """The invocation id of the last dbt command, if it was a `build` in which every node
    passed (warnings allowed); otherwise PublishRefused."""
    if not run_results_path.exists():
        raise PublishRefused(f"no {run_results_path}: run `make run` (dbt build) first")
    results = json.loads(run_results_path.read_text())
    command = results.get("args", {}).get("which")
    if command != "build":
        raise PublishRefused(
            f"the last dbt command in {run_results_path.parent} was `{command}`, not `build`: "
            "run `make run` to build, test and publish"
        )
    failed = sorted(
        result["unique_id"] for result in results["results"] if result["status"] in FAILED_STATUSES
    )
    if failed:
        raise PublishRefused(
            f"the last build had {len(failed)} failed or skipped nodes ({', '.join(failed[:5])}"
            f"{', ...' if len(failed) > 5 else ''}): nothing is published"
        )
    return results["metadata"]["invocation_id"]


def mart_names(manifest_path: Path) -> list[str]:
    """The tables of the `marts` folder, read from dbt's manifest."""
    manifest = json.loads(manifest_path.read_text())
    project = manifest["metadata"]["project_name"]
    return sorted(
        node["alias"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["package_name"] == project
        and Path(node["original_file_path"]).parts[:2] == ("models", "marts")
    )


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def write_serving_file(
    build_db: Path, destination: Path, marts: list[str], previous_serving: Path
) -> str:
    """Write the marts of `build_db` into a new DuckDB file; return the published run id."""
    finished_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    with duckdb.connect(
        str(destination), config={"storage_compatibility_version": STORAGE_COMPATIBILITY_VERSION}
    ) as connection:
        connection.execute(f"attach {_literal(build_db)} as build (read_only)")
        for mart in marts:
            if mart != RUNS_MART:
                connection.execute(
                    f"create table {_quote(mart)} as "
                    f"select * from build.{_quote(mart)} order by all"
                )
        connection.execute(
            f"create table {RUNS_MART} as select * replace (? as finished_at) "
            f"from build.{RUNS_MART}",
            [finished_at],
        )
        run_id = connection.sql(f"select run_id from {RUNS_MART}").fetchall()[0][0]
        if previous_serving.exists():
            connection.execute(f"attach {_literal(previous_serving)} as previous (read_only)")
            has_history = connection.sql(
                "select count(*) from duckdb_tables() "
                f"where database_name = 'previous' and table_name = '{RUNS_MART}'"
            ).fetchall()[0][0]
            if has_history:
                connection.execute(
                    f"insert into {RUNS_MART} by name select * from previous.{RUNS_MART} "
                    "where run_id != ?",
                    [run_id],
                )
            connection.execute("detach previous")
        connection.execute("detach build")
        connection.execute("checkpoint")
    return run_id


def write_parquet(source_db: Path, folder: Path, marts: list[str]) -> None:
    """One Parquet file per mart of `source_db` in a new folder."""
    folder.mkdir(parents=True)
    with duckdb.connect(str(source_db), read_only=True) as connection:
        for mart in marts:
            connection.execute(
                f"copy (select * from {_quote(mart)}) to {_literal(folder / f'{mart}.parquet')} "
                "(format parquet)"
            )


def switch_link(link: Path, folder: Path) -> None:
    """Point `link` at `folder` in one step; keep the folder it pointed to, remove older ones."""
    previous = link.resolve() if link.is_symlink() else None
    staging_link = link.with_name(f".{link.name}-link-{os.getpid()}")
    staging_link.unlink(missing_ok=True)
    staging_link.symlink_to(folder.name)
    if link.exists() and not link.is_symlink():
        shutil.rmtree(link)
    os.replace(staging_link, link)
    keep = {folder.resolve(), previous}
    for old in link.parent.glob(f"{link.name}-*"):
        if old.is_dir() and not old.is_symlink() and old.resolve() not in keep:
            shutil.rmtree(old)


def publish(
    build_db: Path, serving_db: Path, parquet_link: Path, target_path: Path
) -> tuple[str, list[str]]:
    """Publish every mart of a passing build; return the run id and the marts published."""
    invocation_id = passed_build_run_id(target_path / "run_results.json")
    marts = mart_names(target_path / "manifest.json")
    if RUNS_MART not in marts:
        raise PublishRefused(f"{target_path / 'manifest.json'} lists no {RUNS_MART} mart")
    serving_db.parent.mkdir(parents=True, exist_ok=True)
    parquet_link.parent.mkdir(parents=True, exist_ok=True)
    temporary = serving_db.with_name(f".{serving_db.name}.{os.getpid()}.tmp")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = parquet_link.with_name(f"{parquet_link.name}-{stamp}")
    temporary.unlink(missing_ok=True)
    try:
        run_id = write_serving_file(build_db, temporary, marts, serving_db)
        if run_id != invocation_id:
            raise PublishRefused(
                f"{build_db} holds run {run_id}, but the last build was {invocation_id}"
            )
        write_parquet(temporary, folder, marts)
        # A write-ahead log beside the serving file would belong to the old file.
        Path(f"{serving_db}.wal").unlink(missing_ok=True)
        os.replace(temporary, serving_db)
        switch_link(parquet_link, folder)
    except BaseException:
        if folder.exists() and not (parquet_link.is_symlink() and parquet_link.resolve() == folder):
            shutil.rmtree(folder)
        raise
    finally:
        temporary.unlink(missing_ok=True)
        Path(f"{temporary}.wal").unlink(missing_ok=True)
    return run_id, marts


def locations_from_environment() -> dict[str, Path]:
    """The build, serving, Parquet and dbt target locations, from the same variables as
    profiles.yml and dbt (relative paths are relative to the project folder)."""
    return {
        "build_db": Path(os.environ.get("SEGMENTS_DB_PATH", "warehouse/build.duckdb")),
        "serving_db": Path(os.environ.get("SEGMENTS_SERVING_PATH", "warehouse/segments.duckdb")),
        "parquet_link": Path(os.environ.get("SEGMENTS_PARQUET_DIR", "warehouse/marts")),
        "target_path": Path(os.environ.get("DBT_TARGET_PATH", "target")),
    }


def main() -> int:
    defaults = locations_from_environment()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-db", type=Path, default=defaults["build_db"])
    parser.add_argument("--serving-db", type=Path, default=defaults["serving_db"])
    parser.add_argument("--parquet-dir", type=Path, default=defaults["parquet_link"])
    parser.add_argument("--target-path", type=Path, default=defaults["target_path"])
    args = parser.parse_args()
    if not args.build_db.exists():
        print(f"No build database at {args.build_db}: run `make run` first.", file=sys.stderr)
        return 2
    try:
        run_id, marts = publish(args.build_db, args.serving_db, args.parquet_dir, args.target_path)
    except PublishRefused as refusal:
        print(f"Not published: {refusal}.", file=sys.stderr)
        return 1
    print(
        f"Published run {run_id}: {len(marts)} marts to {args.serving_db} "
        f"and {args.parquet_dir}/ ({', '.join(marts)})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Publish the marts of a finished build to the serving database and to Parquet, atomically.

BI tools open the serving database (read-only) or the Parquet files; dbt never writes to
either. After a build and all its tests pass, this script:

1. copies every mart of the build database into a new DuckDB file beside the serving one,
   written for DuckDB 1.x readers (``storage_compatibility_version``), rows in a fixed order;
   ``segmentation_runs`` gets the history of earlier published runs plus this run;
2. renames the new file over the serving file: one atomic step, so a reader sees either the
   old marts or the new ones, never a mix (a reader holding the old file keeps reading it);
3. writes one Parquet file per mart into a new folder and swaps the ``marts`` link to it.
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


def mart_names(manifest_path: Path) -> list[str]:
    """The tables of the `marts` folder, read from dbt's manifest."""
    manifest = json.loads(manifest_path.read_text())
    project = manifest["metadata"]["project_name"]
    return sorted(
        node["alias"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["package_name"] == project
        and node["original_file_path"].startswith("models/marts/")
    )


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def write_serving_file(
    build_db: Path, destination: Path, marts: list[str], previous_serving: Path | None
) -> str:
    """Write the marts of `build_db` into a new DuckDB file; return the published run id."""
    finished_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    with duckdb.connect(
        str(destination), config={"storage_compatibility_version": STORAGE_COMPATIBILITY_VERSION}
    ) as connection:
        connection.execute(f"attach {_literal(build_db)} as build (read_only)")
        for mart in marts:
            if mart == RUNS_MART:
                continue
            connection.execute(
                f"create table {_quote(mart)} as select * from build.{_quote(mart)} order by all"
            )
        connection.execute(
            f"create table {RUNS_MART} as select * replace (? as finished_at) "
            f"from build.{RUNS_MART}",
            [finished_at],
        )
        run_id = connection.sql(f"select run_id from {RUNS_MART}").fetchall()[0][0]
        if previous_serving is not None and previous_serving.exists():
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


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def write_parquet(serving_db: Path, parquet_link: Path, marts: list[str], run_id: str) -> Path:
    """One Parquet file per mart in a new folder; the `marts` link then points to it."""
    folder = parquet_link.parent / f"{parquet_link.name}-{run_id}"
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    with duckdb.connect(str(serving_db), read_only=True) as connection:
        for mart in marts:
            connection.execute(
                f"copy (select * from {_quote(mart)}) to {_literal(folder / f'{mart}.parquet')} "
                "(format parquet)"
            )
    staging_link = parquet_link.parent / f".{parquet_link.name}-link-{os.getpid()}"
    staging_link.unlink(missing_ok=True)
    staging_link.symlink_to(folder.name)
    if parquet_link.exists() and not parquet_link.is_symlink():
        shutil.rmtree(parquet_link)
    previous = parquet_link.resolve() if parquet_link.is_symlink() else None
    os.replace(staging_link, parquet_link)
    # Keep the folder a reader may still be reading; older ones go.
    for old in parquet_link.parent.glob(f"{parquet_link.name}-*"):
        if old.is_dir() and old not in (folder, previous):
            shutil.rmtree(old)
    return folder


def publish(
    build_db: Path, serving_db: Path, parquet_link: Path, manifest_path: Path
) -> tuple[str, list[str]]:
    """Publish every mart of the build; return the run id and the marts published."""
    marts = mart_names(manifest_path)
    if RUNS_MART not in marts:
        raise SystemExit(f"{manifest_path} lists no {RUNS_MART} mart: is it this project's?")
    serving_db.parent.mkdir(parents=True, exist_ok=True)
    temporary = serving_db.with_name(f".{serving_db.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    try:
        run_id = write_serving_file(build_db, temporary, marts, serving_db)
        os.replace(temporary, serving_db)
    finally:
        temporary.unlink(missing_ok=True)
        Path(f"{temporary}.wal").unlink(missing_ok=True)
    write_parquet(serving_db, parquet_link, marts, run_id)
    return run_id, marts


def paths_from_environment() -> dict[str, Path]:
    """The build, serving and Parquet locations, from the same variables as profiles.yml."""
    return {
        "build_db": Path(os.environ.get("SEGMENTS_DB_PATH", "warehouse/build.duckdb")),
        "serving_db": Path(os.environ.get("SEGMENTS_SERVING_PATH", "warehouse/segments.duckdb")),
        "parquet_link": Path(os.environ.get("SEGMENTS_PARQUET_DIR", "warehouse/marts")),
    }


def main() -> int:
    defaults = paths_from_environment()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build-db", type=Path, default=defaults["build_db"])
    parser.add_argument("--serving-db", type=Path, default=defaults["serving_db"])
    parser.add_argument("--parquet-dir", type=Path, default=defaults["parquet_link"])
    parser.add_argument("--manifest", type=Path, default=Path("target/manifest.json"))
    args = parser.parse_args()
    if not args.build_db.exists():
        print(f"No build database at {args.build_db}: run `make run` first.", file=sys.stderr)
        return 2
    run_id, marts = publish(args.build_db, args.serving_db, args.parquet_dir, args.manifest)
    print(
        f"Published run {run_id}: {len(marts)} marts to {args.serving_db} "
        f"and {args.parquet_dir}/ ({', '.join(marts)})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

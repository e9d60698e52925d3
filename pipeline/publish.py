"""Publish the marts of a passing build to the serving database and to Parquet, atomically.

BI tools open the serving database (read-only) or the Parquet files; dbt never writes to
either. Only after a complete `dbt build` whose every node passed (see `build_gate.py`: a
selection, an interrupted build or a build database changed since is refused), and while
holding the build's lock (`build_lock.py`), this script:

1. copies every mart of the build database into a new DuckDB file beside the serving one,
   written for DuckDB 1.x readers (``storage_compatibility_version``), rows in a fixed order;
   ``segmentation_runs`` gets the history of earlier published runs plus this run;
2. writes one Parquet file per mart into a new folder, from that new file, and the
   audience files (``audiences/<base>/*.csv``, see ``audiences.py``) into the same folder;
3. renames the new file over the serving file (one atomic step: a reader sees either the old
   marts or the new ones, never a mix, and a reader holding the old file keeps reading it),
   then switches the ``marts`` link to the new folder (also one atomic step). The folder the
   link pointed to before is kept for readers still in it; older ones are removed.

Temporary files an interrupted publish left behind are removed first. A serving file that
cannot be read (not a DuckDB file, or damaged) is replaced with a warning; its run history
is carried over when it can still be read, otherwise `segmentation_runs` starts again.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from pipeline import audiences
from pipeline import lock as build_lock
from pipeline.gate import RUNS_MART, PublishRefused, publishable_build

# DuckDB 1.0 and later can open files written with this storage version.
STORAGE_COMPATIBILITY_VERSION = "v1.0.0"
# Exit codes of this script and of run_pipeline.py.
EXIT_PUBLISH_REFUSED = 3
EXIT_BUSY = 4
EXIT_INTERRUPTED = 130
TRY_AGAIN = "try again when it has finished"


@dataclass(frozen=True)
class Published:
    """What a publish wrote, and what it found wrong with the serving file it replaced."""

    run_id: str
    marts: list[str]
    warnings: list[str]
    #: Audience files written beside the Parquet marts (see `audiences.py`).
    audience_count: int = 0


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


def sentence(text: str) -> str:
    """`text` as a sentence: first letter upper-case, a full stop at the end."""
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def damaged_tables(connection: duckdb.DuckDBPyConnection, database: str) -> list[str]:
    """Tables of an attached database that cannot be read to the end, with the error: every
    column of every row is read, so DuckDB checks every block's checksum."""
    damaged = []
    tables = connection.sql(
        "select table_name from duckdb_tables() where database_name = ? order by table_name",
        params=[database],
    ).fetchall()
    for (table,) in tables:
        try:
            connection.sql(
                f"select max(hash(columns(*))) from {database}.{_quote(table)}"
            ).fetchall()
        except duckdb.Error as error:
            damaged.append(f"{table}: {first_line(error)}")
    return damaged


def carry_over_history(
    connection: duckdb.DuckDBPyConnection, previous_serving: Path, run_id: str
) -> list[str]:
    """Append the earlier published runs of the serving file about to be replaced to this
    run's `segmentation_runs`; return warnings when that file is damaged or unreadable."""
    if not previous_serving.exists():
        return []
    restarted = f"{RUNS_MART} starts again with run {run_id} alone"
    try:
        connection.execute(f"attach {_literal(previous_serving)} as previous (read_only)")
    except duckdb.Error as error:
        if "Conflicting lock" in str(error):
            # Not damaged, only opened for writing elsewhere: replacing it would lose its
            # history and that process's writes.
            raise PublishRefused(
                f"{previous_serving} is open for writing in another process ({first_line(error)})",
                advice="close it (BI tools open it read-only), then run `make publish`",
            ) from None
        return [
            f"{previous_serving} could not be read ({first_line(error)}): it is replaced, "
            f"and its run history is lost: {restarted}"
        ]
    try:
        damaged = damaged_tables(connection, "previous")
        history_error = _insert_history(connection, run_id)
    finally:
        connection.execute("detach previous")
    if history_error:
        problems = "; ".join(damaged or [history_error])
        return [f"{previous_serving} is replaced ({problems}): {restarted}"]
    if damaged:
        return [
            f"{previous_serving} was damaged ({'; '.join(damaged)}): it is replaced, "
            "its run history kept"
        ]
    return []


def _insert_history(connection: duckdb.DuckDBPyConnection, run_id: str) -> str | None:
    """Copy the runs of `previous` other than `run_id` into this file's `segmentation_runs`,
    by the columns both have; the problem, if they cannot be copied."""
    current = connection.sql("select current_database()").fetchall()[0][0]
    previous_columns = _columns(connection, "previous", RUNS_MART)
    if not previous_columns:
        return f"it holds no {RUNS_MART} table"
    shared = ", ".join(
        _quote(column)
        for column in _columns(connection, current, RUNS_MART)
        if column in previous_columns
    )
    try:
        connection.execute(
            f"insert into {RUNS_MART} ({shared}) select {shared} from previous.{RUNS_MART} "
            "where run_id != ?",
            [run_id],
        )
    except duckdb.Error as error:
        return f"its run history could not be read: {first_line(error)}"
    return None


def _columns(connection: duckdb.DuckDBPyConnection, database: str, table: str) -> list[str]:
    return [
        name
        for (name,) in connection.sql(
            "select column_name from duckdb_columns() "
            "where database_name = ? and schema_name = 'main' and table_name = ? "
            "order by column_index",
            params=[database, table],
        ).fetchall()
    ]


def write_serving_file(
    build_db: Path, destination: Path, marts: list[str], previous_serving: Path
) -> tuple[str, list[str]]:
    """Write the marts of `build_db` into a new DuckDB file, with the run history of
    `previous_serving`; return the published run id and warnings about the previous file."""
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
        connection.execute("detach build")
        run_id = connection.sql(f"select run_id from {RUNS_MART}").fetchall()[0][0]
        warnings = carry_over_history(connection, previous_serving, run_id)
        connection.execute("checkpoint")
    return run_id, warnings


def remove_leftovers(serving_db: Path, parquet_link: Path) -> None:
    """Remove what an interrupted publish left behind: temporary serving files (and their
    write-ahead logs) and staging links. Unlinked Parquet folders go in `switch_link`."""
    leftovers = [
        *serving_db.parent.glob(f".{serving_db.name}.*.tmp"),
        *serving_db.parent.glob(f".{serving_db.name}.*.tmp.wal"),
        *parquet_link.parent.glob(f".{parquet_link.name}-link-*"),
    ]
    for leftover in leftovers:
        if leftover.is_dir() and not leftover.is_symlink():
            shutil.rmtree(leftover)
        else:
            leftover.unlink(missing_ok=True)


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


def publish(build_db: Path, serving_db: Path, parquet_link: Path, target_path: Path) -> Published:
    """Publish every mart of the last build, if it may be published (else PublishRefused).
    The caller holds the build lock."""
    build = publishable_build(build_db, target_path)
    marts = mart_names(target_path / "manifest.json")
    if RUNS_MART not in marts:
        raise PublishRefused(f"{target_path / 'manifest.json'} lists no {RUNS_MART} mart")
    serving_db.parent.mkdir(parents=True, exist_ok=True)
    parquet_link.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(serving_db, parquet_link)
    temporary = serving_db.with_name(f".{serving_db.name}.{os.getpid()}.tmp")
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder = parquet_link.with_name(f"{parquet_link.name}-{stamp}")
    try:
        run_id, warnings = write_serving_file(build_db, temporary, marts, serving_db)
        if run_id != build.invocation_id:
            raise PublishRefused(
                f"{build_db} holds run {run_id}, but the last build was {build.invocation_id}"
            )
        write_parquet(temporary, folder, marts)
        written = audiences.write_audiences(temporary, folder / audiences.AUDIENCES_FOLDER, run_id)
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
    return Published(run_id, marts, warnings, len(written))


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
    try:
        with build_lock.hold(args.build_db):
            published = publish(args.build_db, args.serving_db, args.parquet_dir, args.target_path)
    except build_lock.BuildBusy as busy:
        print(sentence(f"{busy}: nothing was published; {TRY_AGAIN}"), file=sys.stderr)
        return EXIT_BUSY
    except PublishRefused as refusal:
        print(sentence(str(refusal)), file=sys.stderr)
        return EXIT_PUBLISH_REFUSED
    except (duckdb.Error, OSError) as error:
        print(f"Publishing failed: {first_line(error)}.", file=sys.stderr)
        return EXIT_PUBLISH_REFUSED
    except KeyboardInterrupt:
        print("Interrupted while publishing.", file=sys.stderr)
        return EXIT_INTERRUPTED
    for warning in published.warnings:
        print(f"Warning: {warning}.", file=sys.stderr)
    print(
        f"Published run {published.run_id}: {len(published.marts)} marts to {args.serving_db} "
        f"and {args.parquet_dir}/ ({', '.join(published.marts)}); "
        f"{published.audience_count} audience files in "
        f"{args.parquet_dir / audiences.AUDIENCES_FOLDER}/"
    )
    return 0

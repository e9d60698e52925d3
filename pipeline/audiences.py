"""Audience files for activation: the published segments as CSV files an email or ad tool
imports, one per customer base and segment, and each base's changes of the run.

    audiences/<base>/segment_<id>_<slug>.csv   every customer of the segment:
        customer_id, segment_id, persona_name, has_joined_since_last_run
    audiences/<base>/changes.csv               the base's rows of segment_membership_changes

`has_joined_since_last_run` is true for a customer who entered the segment in this run (new
to the base, or moved from another segment): its `segment_since_run_number` is the run's
`run_number`. Rows are ordered by customer id and written by DuckDB's CSV writer (header,
comma, `\\n`, empty for null), so the same marts give the same bytes.

`publish.py` writes them from the new serving file into the new Parquet folder, before the
`marts` link is switched to it: the audiences change together with the marts, and no reader
ever sees half a set. A segment of the model in force without customers in this run gets a
file with the header only, so a tool that syncs the folder empties that audience rather
than keeping stale members.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import duckdb

AUDIENCES_FOLDER = "audiences"
CHANGES_FILE = "changes.csv"
SEGMENTS_MART = "customer_segments"
SUMMARY_MART = "segment_summary"
MODELS_MART = "segment_models"
CHANGES_MART = "segment_membership_changes"
RUNS_MART = "segmentation_runs"
# The changes file names its base by its folder, so it leaves out customer_base.
CHANGES_COLUMNS = (
    "customer_id",
    "segment_id",
    "previous_segment_id",
    "change_kind",
    "persona_name",
    "previous_persona_name",
    "run_number",
    "model_version",
)


def slug(name: str) -> str:
    """A persona name as part of a file name: 'Much older · low income' -> 'much-older-low-
    income' (ASCII letters and digits, words joined by '-'); 'segment' when nothing is left."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "segment"


def audience_file_name(segment_id: int, persona_name: str) -> str:
    """'segment_3_luxury-shoppers.csv'."""
    return f"segment_{int(segment_id)}_{slug(persona_name)}.csv"


def _literal(value: str | Path) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _copy(connection: duckdb.DuckDBPyConnection, select: str, path: Path) -> None:
    connection.execute(f"copy ({select}) to {_literal(path)} (format csv, header)")


def run_number(connection: duckdb.DuckDBPyConnection, run_id: str) -> int:
    """The build number (segmentation_runs.run_number) of the published run."""
    rows = connection.execute(
        f"select run_number from {RUNS_MART} where run_id = ?", [run_id]
    ).fetchall()
    if not rows or rows[0][0] is None:
        raise LookupError(f"{RUNS_MART} has no run_number for run {run_id}")
    return int(rows[0][0])


def models_in_force(connection: duckdb.DuckDBPyConnection, run_id: str) -> list[tuple[str, int]]:
    """(base, model version) of the models that assigned the run's customers, from
    segmentation_runs.model_versions_json."""
    [(versions,)] = connection.execute(
        f"select model_versions_json from {RUNS_MART} where run_id = ?", [run_id]
    ).fetchall()
    return sorted(
        (str(base), int(version)) for base, version in json.loads(versions or "{}").items()
    )


def segments(connection: duckdb.DuckDBPyConnection, run_id: str) -> list[tuple[str, int, str]]:
    """(base, segment id, persona name) of every segment of the models in force (so a segment
    no customer is in this run still gets its file), of customer_segments and of
    segment_summary, in base and segment order; the name is the one the segment's customers
    carry, else the model's."""
    models = models_in_force(connection, run_id)
    in_force = (
        ", ".join(f"({_literal(base)}, {version})" for base, version in models) or "(null, null)"
    )
    return [
        (str(base), int(segment_id), str(persona))
        for base, segment_id, persona in connection.execute(
            f"""
            select customer_base, segment_id, min_by(persona_name, source_rank)
            from (
                select distinct customer_base, segment_id, persona_name, 1 as source_rank
                from {SEGMENTS_MART}
                union all
                select distinct customer_base, segment_id, persona_name, 2 as source_rank
                from {MODELS_MART}
                where (customer_base, model_version) in ({in_force})
                union all
                select customer_base, segment_id, persona_name, 3 as source_rank
                from {SUMMARY_MART}
            )
            group by customer_base, segment_id
            order by customer_base, segment_id
            """
        ).fetchall()
    ]


def write_audiences(source_db: Path, folder: Path, run_id: str) -> list[Path]:
    """Write the audience files of `source_db` (a serving file holding run `run_id`) into the
    new folder `folder`; the files written, in order."""
    folder.mkdir(parents=True)
    written: list[Path] = []
    with duckdb.connect(str(source_db), read_only=True) as connection:
        run = run_number(connection, run_id)
        found = segments(connection, run_id)
        bases = sorted({base for base, _, _ in found})
        for base in bases:
            (folder / base).mkdir()
        for base, segment_id, persona in found:
            path = folder / base / audience_file_name(segment_id, persona)
            _copy(
                connection,
                f"""
                select
                    customer_id,
                    segment_id,
                    persona_name,
                    coalesce(segment_since_run_number = {run}, false)
                        as has_joined_since_last_run
                from {SEGMENTS_MART}
                where customer_base = {_literal(base)} and segment_id = {segment_id}
                order by customer_id
                """,
                path,
            )
            written.append(path)
        for base in bases:
            path = folder / base / CHANGES_FILE
            _copy(
                connection,
                f"select {', '.join(CHANGES_COLUMNS)} from {CHANGES_MART} "
                f"where customer_base = {_literal(base)} order by customer_id",
                path,
            )
            written.append(path)
    return written

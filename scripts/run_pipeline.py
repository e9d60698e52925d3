"""The main job (`make run`): build, test, publish, summarise, report.

1. `dbt build` into the build database (seeds, models, the Python models, every test);
2. only if all of it passed: publish the marts to the serving database and Parquet;
3. print the segment summary and write the offline report from the published marts.

A failed build or test publishes nothing: the last good marts stay as they were, and the
message says which run they come from.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS))

import publish  # noqa: E402
import show_summary  # noqa: E402


def last_published_run(serving_db: Path) -> str:
    """A sentence naming the run the serving database holds, for the failure message."""
    if not serving_db.exists():
        return f"Nothing has been published to {serving_db} yet."
    try:
        with duckdb.connect(str(serving_db), read_only=True) as connection:
            run_id, finished_at = connection.sql(
                "select run_id, finished_at from segmentation_runs "
                "order by finished_at desc limit 1"
            ).fetchall()[0]
    except (duckdb.Error, IndexError):
        return f"{serving_db} is unchanged."
    return f"{serving_db} still holds run {run_id}, published {finished_at:%Y-%m-%d %H:%M:%S} UTC."


def dbt_executable() -> str:
    """dbt from the same environment as this Python."""
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def main(argv: list[str]) -> int:
    paths = publish.locations_from_environment()
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    build = subprocess.run([dbt_executable(), "build", *argv], check=False)
    if build.returncode != 0:
        print(
            "\nThe build or one of its tests failed: nothing was published. "
            + last_published_run(paths["serving_db"]),
            file=sys.stderr,
        )
        return build.returncode
    try:
        run_id, marts = publish.publish(
            paths["build_db"], paths["serving_db"], paths["parquet_link"], paths["target_path"]
        )
    except publish.PublishRefused as refusal:
        print(f"\nNot published: {refusal}. " + last_published_run(paths["serving_db"]))
        return 1
    print(f"\nPublished run {run_id}: {len(marts)} marts to {paths['serving_db']} and Parquet.\n")
    print(show_summary.format_table(show_summary.summary_rows(str(paths["serving_db"]))))
    report = SCRIPTS / "build_report.py"
    if report.exists():
        output = os.environ.get("SEGMENTS_REPORT_PATH", "reports/segments.html")
        subprocess.run(
            [sys.executable, str(report), "--database", str(paths["serving_db"]), "--out", output],
            check=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

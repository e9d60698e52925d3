"""The main job (`make run`): build, test, publish, summarise, report.

1. `dbt build` into the build database (seeds, models, the Python models, every data test;
   the unit tests, which check the SQL on fixed inputs, run in `make test`);
2. only if all of it passed: publish the marts to the serving database and Parquet, and
   the audience files beside the Parquet marts;
3. print the segment summary and write the offline report from the published marts.

One job at a time: the build's lock (`pipeline/lock.py`) is held from before dbt starts until
the report is written; a second job started meanwhile is refused at once. dbt's results of
the previous build are deleted before dbt starts, so a build that never finishes (killed)
leaves nothing the publish step would take for a finished one.

A failed build or test publishes nothing: the last good marts stay as they were, and the
message says which step stopped and which run the serving file still holds. Exit codes:
1 a model or test failed (or dbt was killed), 2 dbt stopped with an error of its own (it
could not start, or refused a setting or a file), 3 the publish step refused the build (or
could not write), 4 another job is running, 5 the report failed (after publishing),
130 interrupted.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import duckdb

from pipeline import audiences, publish, records
from pipeline import gate as build_gate
from pipeline import lock as build_lock
from pipeline import summary as show_summary

SCRIPTS = Path(__file__).resolve().parents[1] / "scripts"
#: The main job's build: everything but the dbt unit tests. They check the SQL on fixed
#: inputs written in the project, so on every run they give the same answer whatever the
#: data; `make test` runs them (dbt's own advice: unit tests in development and CI).
BUILD_COMMAND = ("build", "--exclude-resource-type", build_gate.OPTIONAL_RESOURCE_TYPE)

EXIT_BUILD_FAILED = 1
EXIT_NOT_STARTED = 2
EXIT_REPORT_FAILED = 5


# DuckDB's memory_limit: a size with a unit (e.g. 400MB, 4GB, 1.5GiB) or a share of RAM (80%).
MEMORY_LIMIT = re.compile(r"\s*\d+(\.\d+)?\s*([KMGT]i?B|B|bytes|%)\s*", re.IGNORECASE)


def environment_problems(environ: dict[str, str] | os._Environ[str]) -> list[str]:
    """What is wrong with the environment variables profiles.yml reads, one sentence each
    naming the variable, what it holds and what it takes; empty when nothing is."""
    problems = []
    for name in ("SEGMENTS_THREADS", "SEGMENTS_DUCKDB_THREADS"):
        value = environ.get(name)
        if value is not None and not (value.strip().isdigit() and int(value) >= 1):
            problems.append(f"{name} is '{value}'; it takes a whole number of at least 1, e.g. 2.")
    memory = environ.get("SEGMENTS_MEMORY_LIMIT")
    if memory is not None and not MEMORY_LIMIT.fullmatch(memory):
        problems.append(
            f"SEGMENTS_MEMORY_LIMIT is '{memory}'; it takes a size with a unit (e.g. 400MB, "
            "4GB) or a share of the memory (e.g. 80%)."
        )
    for name, default in (
        ("SEGMENTS_DB_PATH", "warehouse/build.duckdb"),
        ("SEGMENTS_SERVING_PATH", "warehouse/segments.duckdb"),
    ):
        folder = Path(environ.get(name, default)).parent
        if not folder.is_dir():
            problems.append(
                f"{name} points into the folder '{folder}', which does not exist; create it "
                "or choose another path."
            )
    return problems


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


def run_dbt_build(argv: list[str], lock: int) -> tuple[int, bool]:
    """`dbt build` with its output on the terminal; its exit code, and whether the user
    interrupted it. dbt inherits the lock, so it holds it even if this process is killed."""
    process = subprocess.Popen([dbt_executable(), *BUILD_COMMAND, *argv], pass_fds=(lock,))
    interrupted = False
    while True:
        try:
            return process.wait(), interrupted
        except KeyboardInterrupt:
            # Ctrl-C reaches dbt too: it stops and writes the results of what ran. Wait for
            # it, so its results are complete and nobody else builds meanwhile.
            interrupted = True


def _finished_build(target_path: Path) -> build_gate.Build | None:
    """The results dbt wrote for this build, if it wrote any (the previous build's results
    are deleted before dbt starts)."""
    try:
        return build_gate.read_build(target_path)
    except build_gate.PublishRefused:
        return None


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def build_stopped(returncode: int, target_path: Path) -> str:
    """What stopped a build that did not pass, from the results it wrote (if any)."""
    if returncode < 0:
        return f"dbt was killed ({_signal_name(-returncode)}) before it finished"
    build = _finished_build(target_path)
    if build is None:
        if returncode == EXIT_BUILD_FAILED:
            return "The build failed (see dbt's messages above)"
        return (
            "dbt stopped before building anything: it could not start, or refused a setting "
            "or a file (see its message above)"
        )
    progress = f"{build.ran} of {len(build.expected)} nodes ran"
    if build.failed:
        names = ", ".join(build.failed[:5]) + (", ..." if len(build.failed) > 5 else "")
        return (
            f"A model or test failed ({len(build.failed)} failed: {names}; "
            f"{len(build.skipped)} skipped; {progress})"
        )
    return f"dbt stopped with an error ({progress}; see its message above)"


def failing_rows(
    target_path: Path, build_db: Path, status: str = "fail", limit: int = 5
) -> list[str]:
    """The rows of each test with this status (`fail` or `warn`) that stores its failures
    (e.g. the rejected-share tests: source, share, threshold, top rules), one line each, so
    the failure says what to fix."""
    try:
        results = json.loads((target_path / "run_results.json").read_text())["results"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    stored = [
        (result["unique_id"].split(".")[2], result["relation_name"])
        for result in results
        if result.get("status") == status and result.get("relation_name")
    ]
    if not stored or not build_db.exists():
        return []
    lines = []
    try:
        with duckdb.connect(str(build_db), read_only=True) as connection:
            for name, relation in stored:
                table = connection.sql(f"select * from {relation} limit {limit}")
                for row in table.fetchall():
                    values = dict(zip(table.columns, row, strict=True))
                    # Tests of ours write the whole sentence in `message`.
                    listed = ", ".join(f"{key} {value}" for key, value in values.items())
                    lines.append(
                        (values.get("message") or f"{name}: {listed}") + stray_quote_line(values)
                    )
    except duckdb.Error:
        return lines
    return lines


def stray_quote_line(values: dict[str, object]) -> str:
    """For a file whose rows and records disagree (test rows_match_source), the line where
    it leaves standard quoting, as a sentence to append; empty when none is found."""
    source_file, delimiter = values.get("source_file"), values.get("delimiter")
    if not isinstance(source_file, str) or not isinstance(delimiter, str):
        return ""
    try:
        line = records.first_stray_quote(Path(source_file), delimiter)
    except OSError:
        return ""
    if line is None:
        return ""
    return (
        f' Line {line} has a " inside an unquoted value: quote that value (doubling the " '
        "inside it) or remove the quote."
    )


def build_interrupted(target_path: Path) -> str:
    """How far an interrupted build got."""
    build = _finished_build(target_path)
    if build is None:
        return "Interrupted before dbt wrote any results"
    return f"Interrupted after {build.ran} of {len(build.expected)} nodes"


def publish_and_report(paths: dict[str, Path]) -> int:
    """Publish the build that just passed, then print the summary and write the report."""
    serving_db = paths["serving_db"]
    for line in failing_rows(paths["target_path"], paths["build_db"], status="warn"):
        print(f"Warning: {line}", file=sys.stderr)
    try:
        published = publish.publish(
            paths["build_db"], serving_db, paths["parquet_link"], paths["target_path"]
        )
    except build_gate.PublishRefused as refusal:
        print(f"\nPublish refused: {refusal}. {last_published_run(serving_db)}", file=sys.stderr)
        return publish.EXIT_PUBLISH_REFUSED
    except (duckdb.Error, OSError) as error:
        print(
            f"\nPublishing failed: {publish.first_line(error)}. {last_published_run(serving_db)}",
            file=sys.stderr,
        )
        return publish.EXIT_PUBLISH_REFUSED
    for warning in published.warnings:
        print(f"\nWarning: {warning}.", file=sys.stderr)
    print(
        f"\nPublished run {published.run_id}: {len(published.marts)} marts to {serving_db} "
        f"and Parquet, {published.audience_count} audience files in "
        f"{paths['parquet_link'] / audiences.AUDIENCES_FOLDER}/.\n"
    )
    print(show_summary.format_table(show_summary.summary_rows(str(serving_db))))
    report = SCRIPTS / "build_report.py"
    if report.exists():
        output = os.environ.get("SEGMENTS_REPORT_PATH", "reports/segments.html")
        written = subprocess.run(
            [sys.executable, str(report), "--database", str(serving_db), "--out", output],
            check=False,
        )
        if written.returncode != 0:
            print(
                f"\nThe report failed (see above); run {published.run_id} was published.",
                file=sys.stderr,
            )
            return EXIT_REPORT_FAILED
    return 0


def build_and_publish(argv: list[str], paths: dict[str, Path], lock: int) -> int:
    """The job, once the lock is held."""
    nothing_published = f"nothing was published. {last_published_run(paths['serving_db'])}"
    (paths["target_path"] / "run_results.json").unlink(missing_ok=True)
    try:
        returncode, interrupted = run_dbt_build(argv, lock)
    except OSError as error:
        print(f"\ndbt could not start ({error}): {nothing_published}", file=sys.stderr)
        return EXIT_NOT_STARTED
    if interrupted:
        print(f"\n{build_interrupted(paths['target_path'])}: {nothing_published}", file=sys.stderr)
        return publish.EXIT_INTERRUPTED
    if returncode != 0:
        stopped = build_stopped(returncode, paths["target_path"])
        for line in failing_rows(paths["target_path"], paths["build_db"]):
            print(line, file=sys.stderr)
        print(f"\n{stopped}: {nothing_published}", file=sys.stderr)
        return EXIT_NOT_STARTED if returncode == EXIT_NOT_STARTED else EXIT_BUILD_FAILED
    return publish_and_report(paths)


def main(argv: list[str]) -> int:
    problems = environment_problems(os.environ)
    if problems:
        for problem in problems:
            print(f"Not started: {problem}", file=sys.stderr)
        return EXIT_NOT_STARTED
    paths = publish.locations_from_environment()
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    with ExitStack() as stack:
        try:
            lock = stack.enter_context(build_lock.hold(paths["build_db"]))
        except build_lock.BuildBusy as busy:
            print(
                publish.sentence(f"{busy}: nothing was built or published; {publish.TRY_AGAIN}"),
                file=sys.stderr,
            )
            return publish.EXIT_BUSY
        except OSError as error:
            # The build database's folder or its lock file cannot be created.
            print(f"Not started: {error}.", file=sys.stderr)
            return EXIT_NOT_STARTED
        try:
            return build_and_publish(argv, paths, lock)
        except KeyboardInterrupt:
            print(f"\nInterrupted. {last_published_run(paths['serving_db'])}", file=sys.stderr)
            return publish.EXIT_INTERRUPTED

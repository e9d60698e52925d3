"""The publish gate: only a complete, passing build is published, one job runs at a time,
every refusal is one plain line, and an interrupted publish or a damaged serving file is
tidied up by the next publish.

Each test works on a copy of the main job's output (`pipeline_run`: a complete build, its
dbt target folder and its published marts), so no test pays for a whole build. Interrupted
builds are simulated by what they leave behind: results listing only part of the project,
older results beside a newer manifest, or a build database holding another run.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb
import pytest
from conftest import PROJECT_DIR, Run, environment, query

from pipeline.publish import mart_names

REFUSAL_ADVICE = ": nothing was published; run `make run`."
EXIT_NOT_STARTED, EXIT_PUBLISH_REFUSED, EXIT_BUSY = 2, 3, 4
# DuckDB files: three 4 KiB headers, then blocks of 256 KiB, each with its checksum.
DUCKDB_FIRST_BLOCK = 3 * 4096
DUCKDB_BLOCK_SIZE = 256 * 1024


@pytest.fixture
def build(pipeline_run: Run, tmp_path: Path) -> Run:
    """A private copy of a complete, passing, published build."""
    work = tmp_path / "work"
    shutil.copytree(
        pipeline_run.work,
        work,
        symlinks=True,
        ignore=shutil.ignore_patterns("logs", "segments.html"),
    )
    return Run(0, "", work)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def served(run: Run) -> dict[str, str]:
    """Fingerprints of everything a BI user reads: the serving file, the Parquet link and
    every Parquet file behind it."""
    state = {"serving": digest(run.serving_db), "link": os.readlink(run.parquet_dir)}
    for parquet in sorted(run.parquet_dir.glob("*.parquet")):
        state[parquet.name] = digest(parquet)
    return state


def run_results(run: Run) -> dict[str, Any]:
    return json.loads((run.work / "target" / "run_results.json").read_text())


def write_run_results(run: Run, results: dict[str, Any]) -> None:
    (run.work / "target" / "run_results.json").write_text(json.dumps(results))


def manifest(run: Run) -> dict[str, Any]:
    return json.loads((run.work / "target" / "manifest.json").read_text())


def project_node_count(run: Run) -> int:
    """Models, seeds, data tests and (unless the build excluded them) unit tests of the
    project: what a whole build runs."""
    built = manifest(run)
    nodes = [
        node
        for node in built["nodes"].values()
        if node["resource_type"] in {"model", "seed", "test"}
    ]
    excluded = run_results(run)["args"].get("exclude_resource_types") or []
    return len(nodes) + (0 if "unit_test" in excluded else len(built["unit_tests"]))


def build_run_id(run: Run) -> str:
    [(run_id,)] = query(run.build_db, "select run_id from segmentation_runs")
    return run_id


def publish_again(run: Run) -> subprocess.CompletedProcess[str]:
    """`make publish` on the copy."""
    return subprocess.run(
        [sys.executable, str(PROJECT_DIR / "scripts" / "publish.py")],
        cwd=run.work,
        env=environment(run.work),
        capture_output=True,
        text=True,
        check=False,
    )


def run_job(run: Run, *arguments: str, **variables: str) -> subprocess.CompletedProcess[str]:
    """`make run` (scripts/run_pipeline.py) on the copy, with dbt arguments and variables."""
    return subprocess.run(
        [sys.executable, str(PROJECT_DIR / "scripts" / "run_pipeline.py"), *arguments],
        cwd=PROJECT_DIR,
        env=environment(run.work, variables),
        capture_output=True,
        text=True,
        check=False,
    )


def assert_refused(run: Run, before: dict[str, str], message: str) -> None:
    """`make publish` refuses with exactly `message` and leaves what BI tools read as it was."""
    again = publish_again(run)
    assert (again.returncode, again.stdout, again.stderr) == (
        EXIT_PUBLISH_REFUSED,
        "",
        message + "\n",
    )
    assert served(run) == before


def test_a_complete_passing_build_is_published(build: Run) -> None:
    # The main job's build: every model, seed and data test, the unit tests left out.
    results = run_results(build)
    assert results["args"]["exclude_resource_types"] == ["unit_test"]
    ran = {node_type(result["unique_id"]) for result in results["results"]}
    assert {"model", "seed", "test"} <= ran and "unit_test" not in ran

    again = publish_again(build)

    assert again.returncode == 0, again.stderr
    assert again.stderr == ""
    marts = mart_names(build.work / "target" / "manifest.json")
    assert len(marts) >= 13, marts  # the history marts included
    assert again.stdout.startswith(f"Published run {build_run_id(build)}: {len(marts)} marts to ")
    assert query(build.serving_db, "select run_id from segmentation_runs") == [
        (build_run_id(build),)
    ]


PROJECT_NODE_TYPES = {"model", "seed", "test", "unit_test"}


def node_type(unique_id: str) -> str:
    return unique_id.split(".")[0]


@pytest.mark.parametrize(
    "kept",
    [
        pytest.param(
            lambda ids: [i for i in ids if node_type(i) in {"seed", "model"}][:12], id="twelve"
        ),
        pytest.param(
            lambda ids: [i for i in ids if i != next(j for j in ids if node_type(j) == "test")],
            id="one-test-less",
        ),
    ],
)
def test_results_of_part_of_the_project_are_refused(build: Run, kept: Any) -> None:
    before = served(build)
    results = run_results(build)
    keep = set(kept([result["unique_id"] for result in results["results"]]))
    results["results"] = [result for result in results["results"] if result["unique_id"] in keep]
    write_run_results(build, results)
    ran = len([unique_id for unique_id in keep if node_type(unique_id) in PROJECT_NODE_TYPES])

    assert_refused(
        build,
        before,
        f"The last build ran {ran} of {project_node_count(build)} nodes "
        "(a selection or an interrupted run)" + REFUSAL_ADVICE,
    )


@pytest.mark.parametrize(
    "excluded",
    [
        # Results without the unit tests, of a build that did not exclude them.
        pytest.param([], id="unit-tests-missing"),
        # The unit tests are the one resource type a publishable build may leave out.
        pytest.param(["unit_test", "test"], id="data-tests-excluded"),
    ],
)
def test_only_the_unit_tests_may_be_left_out(build: Run, excluded: list[str]) -> None:
    before = served(build)
    results = run_results(build)
    results["args"]["exclude_resource_types"] = excluded
    results["results"] = [
        result for result in results["results"] if node_type(result["unique_id"]) not in excluded
    ]
    write_run_results(build, results)
    ran = len([r for r in results["results"] if node_type(r["unique_id"]) in PROJECT_NODE_TYPES])

    assert_refused(
        build,
        before,
        f"The last build ran {ran} of {project_node_count(build)} nodes "
        "(a selection or an interrupted run)" + REFUSAL_ADVICE,
    )


def test_a_selected_build_and_a_build_killed_before_its_results_are_refused(build: Run) -> None:
    before = served(build)
    complete_results = run_results(build)
    complete_manifest = manifest(build)
    old_run = complete_results["metadata"]["invocation_id"]

    # A real build of one mart and its tests: it passes, and is not published.
    selected = run_job(build, "--select", "segmentation_runs")

    new_run = build_run_id(build)
    ran = len(
        [
            result
            for result in run_results(build)["results"]
            if node_type(result["unique_id"]) in PROJECT_NODE_TYPES
        ]
    )
    assert new_run != old_run and 0 < ran < project_node_count(build)
    assert selected.returncode == EXIT_PUBLISH_REFUSED, selected.stderr[-3000:]
    [(published_at,)] = query(
        build.serving_db, "select strftime(finished_at, '%Y-%m-%d %H:%M:%S') from segmentation_runs"
    )
    assert selected.stderr.splitlines()[-1] == (
        f"Publish refused: the last build ran {ran} of {project_node_count(build)} nodes "
        "(a selection or an interrupted run): nothing was published; run `make run`. "
        f"{build.serving_db} still holds run {old_run}, published {published_at} UTC."
    )
    assert served(build) == before

    # The same build killed (kill -9) before it wrote its results: the complete build's
    # results are still there, beside the new manifest and the new tables.
    write_run_results(build, complete_results)
    assert_refused(
        build,
        before,
        f"A later dbt command ({new_run}) started after the last build ({old_run}) and wrote "
        f"no results (an interrupted build?), so {build.build_db} may hold a mix of both"
        + REFUSAL_ADVICE,
    )

    # Even beside the complete build's manifest, the build database gives the later run away.
    (build.work / "target" / "manifest.json").write_text(json.dumps(complete_manifest))
    assert_refused(
        build,
        before,
        f"{build.build_db} holds run {new_run}, not the last build's {old_run} "
        "(it was changed after that build)" + REFUSAL_ADVICE,
    )


def test_a_build_database_holding_another_run_is_refused(build: Run) -> None:
    before = served(build)
    with duckdb.connect(str(build.build_db)) as connection:
        connection.execute("update segmentation_runs set run_id = 'another-run'")

    assert_refused(
        build,
        before,
        f"{build.build_db} holds run another-run, not the last build's "
        f"{run_results(build)['metadata']['invocation_id']} (it was changed after that build)"
        + REFUSAL_ADVICE,
    )


@pytest.mark.parametrize("status", ["fail", "error", "skipped", "partial success"])
def test_a_node_that_did_not_pass_is_refused(build: Run, status: str) -> None:
    before = served(build)
    results = run_results(build)
    [failing] = [
        result
        for result in results["results"]
        if result["unique_id"].startswith("test.") and result["status"] == "pass"
    ][:1]
    failing["status"] = status
    write_run_results(build, results)
    name = manifest(build)["nodes"][failing["unique_id"]]["name"]

    assert_refused(
        build, before, f"The last build had 1 failed or skipped nodes ({name})" + REFUSAL_ADVICE
    )


@pytest.mark.parametrize(
    ("argument", "value", "message"),
    [
        ("empty", True, "The last build ran with --empty, on a part of the data"),
        ("which", "test", "The last dbt command in {target} was `test`, not `build`"),
    ],
)
def test_a_build_of_part_of_the_data_or_another_command_is_refused(
    build: Run, argument: str, value: Any, message: str
) -> None:
    before = served(build)
    results = run_results(build)
    results["args"][argument] = value
    write_run_results(build, results)

    assert_refused(build, before, message.format(target=build.work / "target") + REFUSAL_ADVICE)


def test_a_build_that_does_not_finish_leaves_no_results_to_publish(build: Run) -> None:
    before = served(build)

    new_folder = build.work / "new" / "warehouse"
    new_folder.mkdir(parents=True)

    # dbt refuses its arguments and stops before any node: like a build killed at its start,
    # it writes no results, and the previous build's are gone. (The lock file is made in the
    # build database's folder before dbt starts; a missing folder is refused, see
    # test_environment.py.)
    job = run_job(build, "--vars", "{segment_k: [", SEGMENTS_DB_PATH=str(new_folder / "x.duckdb"))

    assert sorted(path.name for path in new_folder.iterdir()) == [".x.lock"]
    assert job.returncode == EXIT_NOT_STARTED
    assert "is not valid YAML" in job.stdout + job.stderr
    [(published_at,)] = query(
        build.serving_db, "select strftime(finished_at, '%Y-%m-%d %H:%M:%S') from segmentation_runs"
    )
    assert job.stderr.splitlines()[-1] == (
        "dbt stopped before building anything: it could not start, or refused a setting or a "
        "file (see its message above): nothing was published. "
        f"{build.serving_db} still holds run {build_run_id(build)}, published {published_at} UTC."
    )
    assert not (build.work / "target" / "run_results.json").exists()
    assert_refused(
        build,
        before,
        f"No build results in {build.work / 'target'}: the last build did not finish "
        "(it was interrupted or could not start), or none has run" + REFUSAL_ADVICE,
    )


def test_a_second_job_is_refused_while_one_holds_the_lock(build: Run) -> None:
    before = served(build)
    build_before = digest(build.build_db)
    lock_file = build.work / ".build.lock"
    line = (
        f"Another build is running (pid {os.getpid()}; lock file {lock_file}): "
        "nothing was {what}; try again when it has finished.\n"
    )
    with lock_file.open("a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        lock.truncate(0)
        lock.write(f"{os.getpid()}\n")
        lock.flush()

        job = run_job(build)
        again = publish_again(build)

    assert (job.returncode, job.stdout, job.stderr) == (
        EXIT_BUSY,
        "",
        line.format(what="built or published"),
    )
    assert (again.returncode, again.stdout, again.stderr) == (
        EXIT_BUSY,
        "",
        line.format(what="published"),
    )
    assert served(build) == before
    assert digest(build.build_db) == build_before
    # The lock goes with its holder: the next publish runs.
    assert publish_again(build).returncode == 0


def test_leftovers_of_an_interrupted_publish_are_removed(build: Run) -> None:
    leftovers = [
        build.work / ".segments.duckdb.4242.tmp",
        build.work / ".segments.duckdb.4242.tmp.wal",
        build.work / "marts-19990101T000000000000Z",
    ]
    leftovers[0].write_bytes(b"half a database")
    leftovers[1].write_bytes(b"half a log")
    leftovers[2].mkdir()
    (leftovers[2] / "customer_segments.parquet").write_bytes(b"half a file")
    staging_link = build.work / ".marts-link-4242"
    staging_link.symlink_to(leftovers[2].name)

    again = publish_again(build)

    assert again.returncode == 0, again.stderr
    assert [path for path in leftovers if path.exists()] == []
    assert not staging_link.is_symlink()
    assert sorted(path.name for path in build.work.iterdir() if path.name.startswith(".")) == [
        ".build.lock"
    ]


def add_earlier_run(serving_db: Path) -> None:
    """A second, earlier run in the serving file's history."""
    with duckdb.connect(str(serving_db)) as connection:
        connection.execute(
            "insert into segmentation_runs select * replace ("
            "'earlier-run' as run_id, started_at - interval 1 day as started_at) "
            "from segmentation_runs"
        )


def test_an_unreadable_serving_file_is_replaced_and_its_history_restarts(build: Run) -> None:
    add_earlier_run(build.serving_db)
    build.serving_db.write_bytes(b"not a DuckDB file" * 1000)
    run_id = build_run_id(build)

    again = publish_again(build)

    assert again.returncode == 0, again.stderr
    [warning] = again.stderr.splitlines()
    assert warning.startswith(f"Warning: {build.serving_db} could not be read (")
    assert warning.endswith(
        "): it is replaced, and its run history is lost: "
        f"segmentation_runs starts again with run {run_id} alone."
    )
    assert query(build.serving_db, "select run_id from segmentation_runs") == [(run_id,)]
    assert query(build.serving_db, "select count(*) from customer_segments")[0][0] > 0


def test_a_damaged_serving_file_is_replaced_and_its_readable_history_kept(build: Run) -> None:
    add_earlier_run(build.serving_db)
    with duckdb.connect(str(build.serving_db), read_only=True) as connection:
        blocks = [
            {
                block
                for (block,) in connection.sql(
                    f"select distinct block_id from pragma_storage_info('{table}') "
                    "where block_id >= 0"
                ).fetchall()
            }
            for table in ["customer_segments", "segmentation_runs"]
        ]
    damaged_block = min(blocks[0] - blocks[1])
    with build.serving_db.open("r+b") as serving:
        serving.seek(DUCKDB_FIRST_BLOCK + damaged_block * DUCKDB_BLOCK_SIZE + 100)
        serving.write(b"\xff" * 16)

    again = publish_again(build)

    assert again.returncode == 0, again.stderr
    [warning] = again.stderr.splitlines()
    assert warning.startswith(f"Warning: {build.serving_db} was damaged (customer_segments: ")
    assert warning.endswith("): it is replaced, its run history kept.")
    assert sorted(query(build.serving_db, "select run_id from segmentation_runs")) == sorted(
        [("earlier-run",), (build_run_id(build),)]
    )


def test_a_serving_file_open_for_writing_is_refused_not_replaced(build: Run) -> None:
    before = served(build)
    # Another process opens the serving file read-write (not in this one: reading the file
    # here would drop that process's POSIX lock) and holds it until its input closes.
    holder = (
        "import duckdb, sys\n"
        "connection = duckdb.connect(sys.argv[1])\n"
        "print('open', flush=True)\n"
        "sys.stdin.read()\n"
    )
    with subprocess.Popen(
        [sys.executable, "-c", holder, str(build.serving_db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    ) as writer:
        assert writer.stdout is not None and writer.stdout.readline() == "open\n"

        again = publish_again(build)

        writer.communicate("")

    assert again.returncode == EXIT_PUBLISH_REFUSED
    assert again.stderr.startswith(
        f"{build.serving_db} is open for writing in another process (IO Error: Could not "
        "set lock on file"
    )
    assert again.stderr.endswith(
        ": nothing was published; close it (BI tools open it read-only), then run `make publish`.\n"
    )
    assert served(build) == before

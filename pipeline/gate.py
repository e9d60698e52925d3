"""Whether the last build may be published: a complete `dbt build` whose every node passed,
and whose run the build database holds.

dbt's `target/run_results.json` lists only the nodes a command ran, so on its own it cannot
tell a whole build from a selection (`--select`), an interrupted one (Ctrl-C writes the
results of what ran so far) or a build killed before it wrote any results (the previous
build's file is then still there, while the build database holds some new tables). Three
checks against the other records of the same build close those gaps:

- the manifest in the same target folder comes from the same dbt invocation (dbt writes it
  before running any node, so a later build that was killed leaves a newer manifest beside
  older results);
- every model, seed, snapshot, function, data test and unit test of that manifest appears in
  the results, and every result passed (warnings allowed). The unit tests alone may be left
  out, by `--exclude-resource-type unit_test` (as the main job does): they check the SQL on
  fixed inputs written in the project, not the data being published, and run in `make test`;
- the build database's `segmentation_runs.run_id` (dbt's `invocation_id`, written by the
  model) is that invocation.

`scripts/run_pipeline.py` also deletes `run_results.json` before it starts dbt, so a build
that never finishes leaves no results to publish from.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

RUNS_MART = "segmentation_runs"
PASSING_STATUSES = frozenset({"success", "pass", "warn", "no-op"})
SKIPPED_STATUS = "skipped"
# What `dbt build` runs and every complete build must list (hooks, exposures and saved
# queries appear in the results too, but are not required).
BUILT_NODE_TYPES = frozenset({"model", "seed", "snapshot", "test"})
# The one resource type a publishable build may exclude (`--exclude-resource-type`): unit
# tests read fixed inputs, so they say nothing about the data being published.
OPTIONAL_RESOURCE_TYPE = "unit_test"
# Flags under which every node runs, on a part of the data only.
PARTIAL_DATA_FLAGS = ("empty", "sample")
RUN_MAKE_RUN = "run `make run`"


class PublishRefused(Exception):
    """The build is not one that may be published; the message says why and what to do."""

    def __init__(self, reason: str, advice: str = RUN_MAKE_RUN) -> None:
        super().__init__(f"{reason}: nothing was published; {advice}")


@dataclass(frozen=True)
class Build:
    """The records of a dbt build in one target folder."""

    invocation_id: str
    command: str | None
    arguments: dict[str, Any]
    manifest_invocation_id: str | None
    #: unique id -> status, for every result.
    statuses: dict[str, str]
    #: unique id -> name, for every node `dbt build` must run.
    expected: dict[str, str] = field(repr=False)

    @property
    def ran(self) -> int:
        """How many of the expected nodes appear in the results."""
        return len(self.expected.keys() & self.statuses.keys())

    @property
    def failed(self) -> list[str]:
        """Names of the nodes that errored or failed (neither passed nor were skipped)."""
        return self._names_with(lambda status: status not in {*PASSING_STATUSES, SKIPPED_STATUS})

    @property
    def skipped(self) -> list[str]:
        """Names of the nodes skipped after a failure upstream."""
        return self._names_with(lambda status: status == SKIPPED_STATUS)

    def _names_with(self, status_matches: Callable[[str], bool]) -> list[str]:
        return sorted(
            self.expected.get(unique_id, unique_id)
            for unique_id, status in self.statuses.items()
            if status_matches(status)
        )


def _read_json(path: Path, missing: str) -> dict[str, Any]:
    if not path.exists():
        raise PublishRefused(missing)
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise PublishRefused(f"{path} could not be read ({error})") from None


def expected_nodes(manifest: dict[str, Any], *, unit_tests: bool = True) -> dict[str, str]:
    """Unique id -> name of every node a `dbt build` without selection runs (without the unit
    tests when `unit_tests` is false)."""
    nodes = {
        unique_id: node["name"]
        for unique_id, node in manifest.get("nodes", {}).items()
        if node["resource_type"] in BUILT_NODE_TYPES
        and node.get("config", {}).get("materialized") != "ephemeral"
    }
    for group in ("unit_tests", "functions") if unit_tests else ("functions",):
        nodes |= {unique_id: node["name"] for unique_id, node in manifest.get(group, {}).items()}
    return nodes


def read_build(target_path: Path) -> Build:
    """The last dbt command's results and manifest in `target_path`; PublishRefused when
    there are none (no build has finished since the last one started)."""
    results = _read_json(
        target_path / "run_results.json",
        f"no build results in {target_path}: the last build did not finish "
        "(it was interrupted or could not start), or none has run",
    )
    manifest = _read_json(
        target_path / "manifest.json", f"no {target_path / 'manifest.json'} beside the results"
    )
    try:
        arguments = results.get("args", {})
        return Build(
            invocation_id=results["metadata"]["invocation_id"],
            command=arguments.get("which"),
            arguments=arguments,
            manifest_invocation_id=manifest.get("metadata", {}).get("invocation_id"),
            statuses={result["unique_id"]: result["status"] for result in results["results"]},
            expected=expected_nodes(
                manifest,
                unit_tests=OPTIONAL_RESOURCE_TYPE
                not in (arguments.get("exclude_resource_types") or ()),
            ),
        )
    except (KeyError, TypeError, AttributeError) as error:
        raise PublishRefused(f"{target_path} holds results dbt did not write ({error!r})") from None


def build_database_run_id(build_db: Path) -> str:
    """The run recorded in the build database's `segmentation_runs`."""
    if not build_db.exists():
        raise PublishRefused(f"no build database at {build_db}")
    try:
        with duckdb.connect(str(build_db), read_only=True) as connection:
            run_ids = connection.sql(f"select distinct run_id from {RUNS_MART}").fetchall()
    except duckdb.CatalogException:
        raise PublishRefused(f"{build_db} holds no {RUNS_MART} table") from None
    except duckdb.Error as error:
        raise PublishRefused(
            f"{build_db} could not be read ({str(error).splitlines()[0]}); "
            "if a build is running, wait for it",
        ) from None
    if len(run_ids) != 1:
        raise PublishRefused(f"{build_db} holds {len(run_ids)} runs in {RUNS_MART}, not one")
    return run_ids[0][0]


def publishable_build(build_db: Path, target_path: Path) -> Build:
    """The last build, if it may be published: a complete `dbt build` that passed and whose
    run the build database holds; otherwise PublishRefused, saying why."""
    build = read_build(target_path)
    if build.command != "build":
        raise PublishRefused(
            f"the last dbt command in {target_path} was `{build.command}`, not `build`"
        )
    if build.manifest_invocation_id != build.invocation_id:
        raise PublishRefused(
            f"a later dbt command ({build.manifest_invocation_id}) started after the last "
            f"build ({build.invocation_id}) and wrote no results (an interrupted build?), "
            f"so {build_db} may hold a mix of both"
        )
    for flag in PARTIAL_DATA_FLAGS:
        if build.arguments.get(flag):
            raise PublishRefused(f"the last build ran with --{flag}, on a part of the data")
    if build.ran < len(build.expected):
        raise PublishRefused(
            f"the last build ran {build.ran} of {len(build.expected)} nodes "
            "(a selection or an interrupted run)"
        )
    not_passed = build.failed + build.skipped
    if not_passed:
        raise PublishRefused(
            f"the last build had {len(not_passed)} failed or skipped nodes "
            f"({', '.join(not_passed[:5])}{', ...' if len(not_passed) > 5 else ''})"
        )
    run_id = build_database_run_id(build_db)
    if run_id != build.invocation_id:
        raise PublishRefused(
            f"{build_db} holds run {run_id}, not the last build's {build.invocation_id} "
            "(it was changed after that build)"
        )
    return build

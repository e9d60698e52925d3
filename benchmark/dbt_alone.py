"""dbt alone: a project with our build's nodes doing next to no work.

It has a stand-in for each seed, model and data test our build ran, with the same name,
parents, language, materialisation, incremental settings and contract, and one data test for
every data test of ours, on the same models. Every model holds a single row (one column,
documented and persisted as ours are) and every test reads it, so its build time is about
what dbt itself costs for a project of this shape on this machine: start-up and parsing, and
each node's compiling, statements and bookkeeping. It leaves out what our project has besides
(the settings check run before the build, exposures, metrics, unit tests to parse, macros,
every column after the first), so it takes a little less than dbt's whole cost for ours. A
Python model imports scikit-learn, as every model of ours that fits or scores does, because a
build that segments cannot skip that import.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PROJECT_NAME = "dbt_alone"

#: The data test every stand-in test runs: its models' single rows hold a non-null id
#: (`index`, the test's position, only keeps the tests' names distinct).
GENERIC_TEST = """\
{% test holds_rows(model, index, second=none, third=none) %}
select id from {{ model }} where id is null
{%- for other in [second, third] if other is not none %}
union all
select id from {{ other }} where id is null
{%- endfor %}
{% endtest %}
"""

PYTHON_MODEL = """\
def model(dbt, session):
    dbt.config(materialized="{materialized}"{incremental})
    import pandas
    import sklearn.cluster  # noqa: F401  (a model that fits or scores imports it)
{reads}
    return pandas.DataFrame({{"id": [1]}})
"""


@dataclass(frozen=True)
class Shape:
    """The node counts of a project, by kind, for the report."""

    seeds: int
    sql_models: int
    python_models: int
    data_tests: int

    @property
    def nodes(self) -> int:
        return self.seeds + self.sql_models + self.python_models + self.data_tests


def smallest_manifest() -> dict[str, Any]:
    """The manifest of the smallest project that loads, transforms and tests: one seed, one
    model reading it and one data test of the model."""

    def node(kind: str, name: str, parents: list[str], materialized: str) -> dict[str, Any]:
        return {
            "resource_type": kind,
            "package_name": "smallest",
            "name": name,
            "language": "sql",
            "config": {"materialized": materialized},
            "depends_on": {"nodes": parents},
        }

    return {
        "metadata": {"project_name": "smallest"},
        "nodes": {
            "seed.smallest.raw": node("seed", "raw", [], "seed"),
            "model.smallest.clean": node("model", "clean", ["seed.smallest.raw"], "table"),
            "test.smallest.clean": node("test", "clean", ["model.smallest.clean"], "test"),
        },
    }


def _name(unique_id: str) -> str:
    return unique_id.rsplit(".", 1)[1]


def _parents(node: dict[str, Any], names: set[str]) -> list[str]:
    """The node's parents among the stand-ins, in a stable order."""
    return sorted({_name(p) for p in node["depends_on"]["nodes"]} & names)


def _incremental_settings(node: dict[str, Any]) -> dict[str, str]:
    """The incremental settings of one of our models, for its stand-in (whose key is `id`)."""
    config = node["config"]
    if config["materialized"] != "incremental":
        return {}
    settings = {"on_schema_change": config.get("on_schema_change") or "ignore"}
    if config.get("unique_key"):
        settings["unique_key"] = "id"
    if config.get("incremental_strategy"):
        settings["incremental_strategy"] = config["incremental_strategy"]
    return settings


def _sql_model(node: dict[str, Any], parents: list[str]) -> str:
    config = [f"materialized='{node['config']['materialized']}'"]
    config += [f"{key}='{value}'" for key, value in _incremental_settings(node).items()]
    body = (
        "select min(id)::integer as id from (\n"
        + "\nunion all\n".join(f"    select id from {{{{ ref('{p}') }}}}" for p in parents)
        + "\n)"
        if parents
        else "select 1::integer as id"
    )
    return f"{{{{ config({', '.join(config)}) }}}}\n{body}\n"


def write_project(
    manifest: dict[str, Any],
    folder: Path,
    database: Path,
    *,
    threads: int = 2,
    duckdb_threads: int = 2,
    memory_limit: str = "1GB",
) -> Shape:
    """Write the stand-in project of the build that wrote `manifest` into `folder` (its
    profile builds into `database` with dbt's and DuckDB's threads and DuckDB's memory limit
    set as our build's); return its shape."""
    package = manifest["metadata"]["project_name"]
    own = {
        uid: node
        for uid, node in manifest["nodes"].items()
        if node.get("package_name") == package
        and node["resource_type"] in ("seed", "model", "test")
    }
    models = {uid: n for uid, n in own.items() if n["resource_type"] == "model"}
    seeds = {uid: n for uid, n in own.items() if n["resource_type"] == "seed"}
    tests = sorted(uid for uid, n in own.items() if n["resource_type"] == "test")
    names = {_name(uid) for uid in (*models, *seeds)}

    for sub in ("models", "seeds", "tests/generic"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    for uid in seeds:
        (folder / "seeds" / f"{_name(uid)}.csv").write_text("id\n1\n")

    properties: dict[str, dict[str, Any]] = {}
    python_models = 0
    for uid, node in sorted(models.items()):
        name, parents = _name(uid), _parents(node, names)
        materialized = node["config"]["materialized"]
        if node.get("language") == "python":
            python_models += 1
            incremental = "".join(
                f', {key}="{value}"' for key, value in _incremental_settings(node).items()
            )
            (folder / "models" / f"{name}.py").write_text(
                PYTHON_MODEL.format(
                    materialized=materialized,
                    incremental=incremental,
                    reads="".join(f'\n    dbt.ref("{p}").df()' for p in parents),
                )
            )
        else:
            (folder / "models" / f"{name}.sql").write_text(_sql_model(node, parents))
        entry: dict[str, Any] = {
            "name": name,
            "description": "A stand-in.",
            "columns": [{"name": "id", "description": "The single row's id."}],
            "data_tests": [],
        }
        if node["config"].get("contract", {}).get("enforced") and node.get("language") != "python":
            entry["config"] = {"contract": {"enforced": True}}
            entry["columns"][0]["data_type"] = "integer"
        properties[name] = entry

    for index, uid in enumerate(tests):
        node = own[uid]
        parents = _parents(node, names)
        # Attached to a model it reads (properties are the models'); the others may be seeds.
        model = next((p for p in parents if p in properties), None)
        others = [p for p in parents if p != model]
        if model is None or len(others) > 2:
            raise ValueError(
                f"{uid} reads {', '.join(parents) or 'no model'}: a stand-in test reads one "
                "model and at most two other models or seeds"
            )
        test: dict[str, Any] = {"index": index}
        for key, other in zip(("second", "third"), others, strict=False):
            test[key] = f"ref('{other}')"
        properties[model]["data_tests"].append({"holds_rows": {"arguments": test}})
    (folder / "tests" / "generic" / "holds_rows.sql").write_text(GENERIC_TEST)
    (folder / "models" / "_models.yml").write_text(
        yaml.safe_dump({"version": 2, "models": list(properties.values())}, sort_keys=False)
    )
    (folder / "dbt_project.yml").write_text(
        yaml.safe_dump(
            {
                "name": PROJECT_NAME,
                "version": "1.0.0",
                "config-version": 2,
                "profile": PROJECT_NAME,
                "flags": {
                    "send_anonymous_usage_stats": False,
                    "require_generic_test_arguments_property": True,
                },
                "models": {PROJECT_NAME: {"+persist_docs": {"relation": True, "columns": True}}},
            },
            sort_keys=False,
        )
    )
    (folder / "profiles.yml").write_text(
        yaml.safe_dump(
            {
                PROJECT_NAME: {
                    "target": "local",
                    "outputs": {
                        "local": {
                            "type": "duckdb",
                            "path": str(database),
                            "threads": threads,
                            "settings": {"threads": duckdb_threads, "memory_limit": memory_limit},
                        }
                    },
                }
            },
            sort_keys=False,
        )
    )
    return Shape(
        seeds=len(seeds),
        sql_models=len(models) - python_models,
        python_models=python_models,
        data_tests=len(tests),
    )

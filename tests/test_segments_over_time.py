"""Segments over time: three builds of one project folder on a base of generated customers.

Run 1 refits (four well-separated groups, k=4). Run 2 scores in `score` mode after 150
customers moved from one group to another, 100 new ones joined and 50 left: nothing is
fitted, the same model version assigns everyone. Run 3 refits on shifted data (one group
gone, a new one far from every other): the segments that still exist keep their ids and
names, the new one gets a new id, the vanished one is recorded, and drift is high; it runs
with --full-refresh, which the registry and the history survive. Run 4 repeats run 3: the same
model version, ids and marts.

Every file here is written by the test itself, from a seeded generator."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import Run, mart_contents, query, run_dbt

#: (annual income, spending score) of each generated group.
GROUPS = {
    "thrifty": (30_000, 20),
    "keen": (30_000, 80),
    "careful": (90_000, 20),
    "lavish": (90_000, 80),
    "newcomers": (150_000, 50),
}
GROUP_SIZE = 250
#: The marts a rerun of the same input must leave identical (the history marts grow by a run).
RERUN_MARTS = ["customer_segments", "segment_summary", "segment_centroids", "segment_models"]
SELECT = [
    "build",
    "--select",
    "+customer_segments +segment_summary +segment_centroids +segment_models "
    "+segment_migrations +segment_drift +segment_membership_changes +segmentation_runs",
    "--indirect-selection",
    "cautious",
]


def write_customers(path: Path, groups: dict[str, list[str]], seed: int) -> None:
    """One row per customer id of each group, around the group's centre."""
    generator = np.random.default_rng(seed)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "age", "income", "score"])
        for group, ids in groups.items():
            income, score = GROUPS[group]
            for customer_id in ids:
                writer.writerow(
                    [
                        customer_id,
                        int(generator.integers(25, 60)),
                        round(float(generator.normal(income, 3_000)), 2),
                        int(np.clip(round(float(generator.normal(score, 4))), 1, 100)),
                    ]
                )


def registry(path: Path) -> dict:
    return {
        "panel": {
            "path": str(path),
            "columns": {
                "customer_id": "id",
                "age": "age",
                "annual_income_usd": "income",
                "spending_score": "score",
            },
            "features": ["annual_income_usd", "spending_score"],
        }
    }


def ids(prefix: str, start: int, count: int) -> list[str]:
    return [f"{prefix}{number:04d}" for number in range(start, start + count)]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The three builds, in one work folder (so the registry and history carry over)."""
    data = tmp_path_factory.mktemp("panel_files")
    work = tmp_path_factory.mktemp("panel_runs")
    groups = {
        name: ids(name[0], 1, GROUP_SIZE) for name in ["thrifty", "keen", "careful", "lavish"]
    }
    first = data / "first.csv"
    write_customers(first, groups, seed=1)
    settings = {"segment_k": 4, "orders_cutoff_date": "2026-01-01"}

    run_1 = run_dbt(SELECT, work, dbt_vars={"customer_bases": registry(first), **settings})
    assert run_1.ok, run_1.output[-4000:]
    snapshot_1 = segments_by_group(run_1)

    # Run 2: 150 thrifty customers now behave like keen ones, 100 new careful ones, 50 lavish gone.
    moved = groups["thrifty"][:150]
    second_groups = {
        "thrifty": groups["thrifty"][150:],
        "keen": groups["keen"] + moved,
        "careful": groups["careful"] + ids("n", 1, 100),
        "lavish": groups["lavish"][50:],
    }
    second = data / "second.csv"
    write_customers(second, second_groups, seed=2)
    run_2 = run_dbt(
        SELECT,
        work,
        dbt_vars={"customer_bases": registry(second), "segment_mode": "score", **settings},
    )
    assert run_2.ok, run_2.output[-4000:]
    snapshot_2 = segments_by_group(run_2)
    scored = query(
        run_2.build_db,
        "select (select count(*) from int_segment_centroids), "
        "(select count(*) from int_segment_diagnostics), "
        "(select list(distinct model_version) from customer_segments), "
        "(select segment_mode from segmentation_runs)",
    )[0]

    # Run 3: the original groups but lavish, and a group of newcomers far from all of them.
    third_groups = {**{name: groups[name] for name in ["thrifty", "keen", "careful"]}}
    third_groups["newcomers"] = ids("x", 1, GROUP_SIZE)
    third = data / "third.csv"
    write_customers(third, third_groups, seed=3)
    # With --full-refresh: every table is rebuilt but the registry and the history.
    run_3 = run_dbt(
        [*SELECT, "--full-refresh"], work, dbt_vars={"customer_bases": registry(third), **settings}
    )
    assert run_3.ok, run_3.output[-4000:]
    marts_3 = mart_contents(run_3.build_db, RERUN_MARTS)

    # Run 4: run 3 again, same file and settings.
    run_4 = run_dbt(SELECT, work, dbt_vars={"customer_bases": registry(third), **settings})
    assert run_4.ok, run_4.output[-4000:]
    return {
        "rerun": (marts_3, mart_contents(run_4.build_db, RERUN_MARTS)),
        "build_db": run_3.build_db,
        "groups": groups,
        "moved": moved,
        "snapshots": [snapshot_1, snapshot_2, segments_by_group(run_3)],
        "scored": scored,
        "outputs": [run_1.output, run_2.output, run_3.output],
    }


def segments_by_group(run: Run) -> dict[str, tuple[int, str]]:
    """{group initial: (segment id, persona name)} of the build, from its customers' ids."""
    rows = query(
        run.build_db,
        "select left(customer_id, 1), min(segment_id), max(segment_id), any_value(persona_name) "
        "from customer_segments where customer_id not like 'n%' "
        "and not (customer_id like 't%' and customer_id <= 't0150') group by 1",
    )
    return {initial: (low, name) for initial, low, high, name in rows if low == high}


def test_score_mode_assigns_without_fitting_with_the_same_model(runs: dict) -> None:
    first, second, _ = runs["snapshots"]
    # Run 2 fitted nothing (no diagnostics, no centroids) and version 1 assigned everyone.
    assert runs["scored"] == (0, 0, [1], "score")
    modes = query(
        runs["build_db"], "select run_number, segment_mode from int_build_runs order by 1"
    )
    # Run 4 repeats run 3's input: a refit that registers no new version.
    assert modes == [(1, "refit"), (2, "score"), (3, "refit"), (4, "refit")]
    fitted_by = query(
        runs["build_db"],
        "select model_version, min(runs.run_number), max(runs.run_number) from segment_models "
        "inner join int_build_runs as runs on fitted_run_id = runs.run_id group by 1 order by 1",
    )
    assert fitted_by == [(1, 1, 1), (2, 3, 3)]
    # The groups kept their segments in run 2, the moved customers now sit with keen ones.
    assert second["t"] == first["t"] and second["k"] == first["k"]
    moved_rows = query(
        runs["build_db"],
        "select change_kind, segment_id, previous_segment_id, count(*), any_value(model_version) "
        "from int_customer_segment_changes where run_number = 2 group by all order by all",
    )
    assert moved_rows == sorted(
        [
            ("joined", first["c"][0], None, 100, 1),
            ("left", None, first["l"][0], 50, 1),
            ("moved", first["k"][0], first["t"][0], 150, 1),
        ],
        key=lambda row: tuple((value is None, value) for value in row),
    )


def test_migrations_add_up_to_the_customers_of_both_runs(runs: dict) -> None:
    per_run = dict(
        query(
            runs["build_db"],
            "select run_number, [sum(customer_count) filter (where from_segment_id is not null), "
            "sum(customer_count) filter (where to_segment_id is not null)] "
            "from segment_migrations group by 1",
        )
    )
    assert per_run[1] == [None, 1000]
    assert per_run[2] == [1000, 1000 - 50 + 100]
    assert per_run[3] == [1050, 1000]
    [(moved,)] = query(
        runs["build_db"],
        "select customer_count from segment_migrations "
        "where run_number = 2 and migration_kind = 'moved'",
    )
    assert moved == 150


def test_a_refit_keeps_the_ids_and_names_of_segments_that_still_exist(runs: dict) -> None:
    first, _, third = runs["snapshots"]
    for group in ["t", "k", "c"]:
        assert third[group] == first[group], group
    # The newcomers are a new segment, numbered after every id the base used.
    assert third["x"][0] == 5
    [(version, previous, vanished, k)] = query(
        runs["build_db"],
        "select distinct model_version, previous_model_version, vanished_segment_ids, "
        "segment_count from segment_models where model_version = 2",
    )
    assert (version, previous, k) == (2, 1, 4)
    assert json.loads(vanished) == [first["l"][0]]


def test_customers_carry_their_previous_segment_and_since_when(runs: dict) -> None:
    first, _, _ = runs["snapshots"]
    moved = runs["moved"]
    rows = query(
        runs["build_db"],
        "select customer_id, segment_id, previous_segment_id, segment_since_run_number "
        f"from customer_segments where customer_id in ({', '.join(repr(i) for i in moved[:5])})",
    )
    # Run 3 put them back with the thrifty group, which they left in run 2.
    assert {row[1:] for row in rows} == {(first["t"][0], first["k"][0], 3)}
    [(unchanged,)] = query(
        runs["build_db"],
        "select count(*) from customer_segments where customer_id like 'k%' "
        "and segment_since_run_number = 1 and previous_segment_id is null",
    )
    assert unchanged == GROUP_SIZE


def test_drift_is_zero_on_the_training_data_and_high_after_a_shift(runs: dict) -> None:
    rows = dict(
        query(
            runs["build_db"],
            "select run_number || ':' || feature_name, population_stability_index "
            "from segment_drift where drift_kind = 'feature'",
        )
    )
    assert rows["1:annual_income_usd"] == 0 and rows["1:spending_score"] == 0
    # Run 3's data (lavish gone, newcomers at 150k) against version 1's training sample.
    assert rows["3:annual_income_usd"] > 0.25
    assert "drift_below_threshold" in runs["outputs"][2] and "WARN" in runs["outputs"][2]


def test_the_same_input_again_keeps_the_model_and_the_marts(runs: dict) -> None:
    before, after = runs["rerun"]
    assert after == before
    assert {row[1] for row in after["segment_models"]} == {1, 2}
    kinds = query(
        runs["build_db"],
        "select distinct migration_kind from segment_migrations where run_number = 4",
    )
    assert kinds == [("stayed",)]

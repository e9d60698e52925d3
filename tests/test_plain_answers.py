"""Failures a user can act on: a source rejecting too many rows, a base with fewer distinct
customers than the k asked and a base whose every row is rejected are answered by the main
job in one sentence naming the source or base, the numbers and what to do; the empty base is
shown in the printed summary and the report with the rules that emptied it."""

from __future__ import annotations

import csv
from pathlib import Path

from conftest import demo_registry, query, run_pipeline


def test_a_rejected_share_above_the_threshold_names_source_share_threshold_and_rules(
    tmp_path: Path,
) -> None:
    run = run_pipeline(
        tmp_path,
        dbt_vars={"rejected_share_error_threshold": 0.15, "rejected_share_warn_threshold": 0.1},
    )

    assert run.returncode == 1
    assert (
        "Source shop_customers rejects 17.0% of its rows for faults of their own, above the "
        "threshold of 15.0%; most frequent rules: implausible_age (330 rows), "
        "work_experience_impossible_for_age (308 rows), non_positive_income (2 rows)"
    ) in run.output, run.output[-3000:]
    assert "nothing was published" in run.output


def small_base(path: Path, rows: list[tuple[str, int, int, int]]) -> dict:
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([("id", "age", "income", "score"), *rows])
    return {
        "path": str(path),
        "columns": {
            "customer_id": "id",
            "age": "age",
            "annual_income_usd": "income",
            "spending_score": "score",
        },
        "required": ["age", "annual_income_usd", "spending_score"],
    }


def test_a_base_with_fewer_distinct_customers_than_k_is_refused_naming_it(
    tmp_path: Path,
) -> None:
    # Four customers, two of them at the same point: three distinct points for k = 5.
    rows = [("a", 30, 40000, 50), ("b", 30, 40000, 50), ("c", 40, 90000, 20), ("d", 50, 20000, 80)]
    registry = {**demo_registry(), "tiny": small_base(tmp_path / "tiny.csv", rows)}

    run = run_pipeline(tmp_path, dbt_vars={"customer_bases": registry, "segment_k": 5})

    assert run.returncode == 1
    assert (
        "Base tiny has 3 distinct customers to segment, fewer than the 5 segments asked"
    ) in run.output, run.output[-3000:]
    assert "Traceback" not in run.output
    assert "nothing was published" in run.output


def test_a_base_whose_every_row_is_rejected_is_shown_empty_with_its_rules(tmp_path: Path) -> None:
    rows = [("a", 5, 40000, 50), ("b", 6, 40000, 50)]
    registry = {**demo_registry(), "minors": small_base(tmp_path / "minors.csv", rows)}

    run = run_pipeline(
        tmp_path,
        dbt_vars={
            "customer_bases": registry,
            "rejected_share_error_threshold": 1.0,
            "rejected_share_warn_threshold": 1.0,
        },
    )

    assert run.ok, run.output[-3000:]
    assert (
        "Warning: Base minors has no valid customer: every row was rejected (see rejected_rows)"
    ) in run.output
    rejected = query(
        run.serving_db,
        "select raw_key, failed_rules from rejected_rows where customer_base = 'minors' "
        "order by raw_key",
    )
    assert rejected == [("a", "implausible_age"), ("b", "implausible_age")]
    assert query(
        run.serving_db,
        "select source_kind, raw_row_count, passing_row_count from source_row_counts "
        "where customer_base = 'minors'",
    ) == [("customers", 2, 0)]
    shown = (
        "Base minors has no valid customer: every one of its 2 customer rows was rejected, so "
        "it is not segmented; rules: implausible_age (2 rows). The rows and their values are "
        "in rejected_rows."
    )
    assert f"Customer base: minors (empty)\n{shown}" in run.output
    report = run.report.read_text(encoding="utf-8")
    assert '<section class="base empty" id="base-minors" data-base="minors">' in report
    assert f'<p class="intro">{shown}</p>' in report
    assert '<a href="#base-minors">Minors customers (empty)</a>' in report

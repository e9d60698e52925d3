"""Any customer file: bases described in the registry (var customer_bases) with their own column
names, delimiters, expressions, categorical columns and order histories, built beside the demo
bases; and a malformed registry or file refused before any model runs, naming base and column.

Every file here is written by the tests themselves, from a seeded generator."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import Run, demo_registry, query, run_dbt, run_pipeline

EDUCATION = ["Basic", "Graduate", "Master", "PhD"]
MARITAL = ["Married", "Single", "Together", "Divorced"]
INDUSTRIES = ["Retail", "Software", "Logistics"]


def write_campaign_export(path: Path, rows: int = 600) -> dict[str, int]:
    """A marketing CRM export: tab-separated, birth years, spend split over product columns,
    some incomes missing, education and marital status. Returns what the tests expect."""
    rng = np.random.default_rng(2014)
    header = [
        "ID",
        "Year_Birth",
        "Education",
        "Marital_Status",
        "Income",
        "MntWines",
        "MntFruits",
        "MntMeatProducts",
        "Recency",
    ]
    missing_income = 0
    lines = []
    for i in range(rows):
        wealthy = i % 3 == 0
        income = "" if i % 50 == 7 else str(int(rng.normal(80_000 if wealthy else 35_000, 5_000)))
        missing_income += income == ""
        lines.append(
            [
                str(5000 + i),
                str(int(rng.integers(1950, 1996))),
                EDUCATION[(i // 3) % 4 if wealthy else i % 2],
                MARITAL[i % 4],
                income,
                str(int(rng.integers(400, 900) if wealthy else rng.integers(0, 60))),
                str(int(rng.integers(0, 50))),
                str(int(rng.integers(200, 600) if wealthy else rng.integers(0, 40))),
                str(int(rng.integers(0, 99))),
            ]
        )
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(header)
        writer.writerows(lines)
    return {"rows": rows, "missing_income": missing_income}


def write_web_parquet(path: Path, rows: int = 400) -> None:
    """A shop's web customers as Parquet with typed columns (integers, doubles, text)."""
    rng = np.random.default_rng(7)
    groups = rng.integers(0, 3, rows)
    table = pa.table(
        {
            "Customer Id": pa.array([f"W-{i:04d}" for i in range(rows)]),
            "Purchase Amount (USD)": pa.array(
                np.round(rng.normal(20 + 40 * groups, 4), 2), type=pa.float64()
            ),
            "Previous Purchases": pa.array(
                (groups * 12 + rng.integers(0, 5, rows)).astype("int64")
            ),
            "Subscription Status": pa.array(np.where(groups == 2, "Yes", "No")),
        }
    )
    pq.write_table(table, path)


def write_b2b_accounts(directory: Path, accounts: int = 300) -> None:
    """A B2B account list (semicolon-separated) and its own order history."""
    rng = np.random.default_rng(99)
    sizes = ["1-10", "11-50", "51-200", "201-1000"]
    with (directory / "accounts.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(["Account", "Industry", "Company Size", "Revenue (k$)", "Employees"])
        for i in range(accounts):
            big = i % 4 == 0
            writer.writerow(
                [
                    f"A{i:03d}",
                    INDUSTRIES[i % 3],
                    sizes[3 if big else i % 3],
                    str(round(float(rng.normal(9000 if big else 800, 100)), 1)),
                    str(int(rng.normal(600 if big else 30, 5))),
                ]
            )
    with (directory / "account_orders.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["Order", "Line", "Account", "Date", "Category", "Net", "Via"])
        for order in range(accounts * 2):
            account = order % accounts
            writer.writerow(
                [
                    f"PO{order:05d}",
                    "1",
                    f"A{account:03d}",
                    f"2025-0{1 + order % 9}-1{order % 9}",
                    "Electronics",
                    str(100 + account),
                    "web",
                ]
            )


def user_bases(data: Path) -> dict:
    """Three bases of users' own shapes, as a user would write them in the registry."""
    return {
        "campaign": {
            "path": str(data / "campaign_export.tsv"),
            "delimiter": "\t",
            "columns": {
                "customer_id": "ID",
                "age": {"expression": "2014 - Year_Birth"},
                "annual_income_usd": "Income",
                "education": "Education",
                "marital_status": "Marital_Status",
                "total_spend_usd": {"expression": "MntWines + MntFruits + MntMeatProducts"},
                "recency": {"column": "Recency", "type": "numeric"},
            },
            "features": ["annual_income_usd", "total_spend_usd"],
            "categorical_features": ["education"],
        },
        "web": {
            "path": str(data / "web_customers.parquet"),
            "columns": {
                "customer_id": "Customer Id",
                "purchase_amount_usd": "Purchase Amount (USD)",
                "previous_purchases": "Previous Purchases",
                "is_subscribed": "Subscription Status",
            },
            "features": ["purchase_amount_usd", "previous_purchases"],
            "categorical_features": ["is_subscribed"],
        },
        "accounts": {
            "path": str(data / "accounts.csv"),
            "columns": {
                "customer_id": "Account",
                "industry": "Industry",
                "company_size": "Company Size",
                "annual_revenue_usd": {"expression": '"Revenue (k$)" * 1000'},
                "employee_count": "Employees",
            },
            "features": ["annual_revenue_usd", "employee_count", "monetary_value_usd"],
            "orders": {
                "path": str(data / "account_orders.csv"),
                "columns": {
                    "order_id": "Order",
                    "line_number": "Line",
                    "customer_id": "Account",
                    "order_date": "Date",
                    "product_category": "Category",
                    "amount_usd": "Net",
                    "channel": "Via",
                },
            },
        },
    }


@pytest.fixture(scope="module")
def user_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, dict[str, int]]:
    """The main job on the demo bases plus the three users' bases, configured only by vars."""
    data = tmp_path_factory.mktemp("user_files")
    expected = write_campaign_export(data / "campaign_export.tsv")
    write_web_parquet(data / "web_customers.parquet")
    write_b2b_accounts(data)
    registry = {**demo_registry(), **user_bases(data)}
    run = run_pipeline(
        tmp_path_factory.mktemp("user_run"),
        dbt_vars={"customer_bases": registry, "orders_cutoff_date": "2026-01-01"},
    )
    assert run.ok, run.output[-6000:]
    return run, expected


def test_every_row_of_every_base_is_segmented_or_rejected(user_run: tuple[Run, dict]) -> None:
    run, expected = user_run
    counts = dict(
        query(
            run.serving_db,
            "select source_name, [raw_row_count, passing_row_count, rejected_row_count] "
            "from source_row_counts",
        )
    )
    assert counts["campaign_customers"][0] == expected["rows"]
    assert counts["web_customers"][0] == 400
    assert counts["accounts_customers"][0] == 300
    assert counts["accounts_orders"][0] == 600
    for source, (read, passing, rejected) in counts.items():
        assert read == passing + rejected, source
    segmented = dict(
        query(run.serving_db, "select customer_base, count(*) from customer_segments group by 1")
    )
    for base, source in [
        ("campaign", "campaign_customers"),
        ("web", "web_customers"),
        ("accounts", "accounts_customers"),
    ]:
        assert segmented[base] == counts[source][1], base


def test_missing_income_is_rejected_as_a_missing_segment_feature(
    user_run: tuple[Run, dict],
) -> None:
    run, expected = user_run
    rules = dict(
        query(
            run.serving_db,
            "select failed_rules, count(*) from rejected_rows "
            "where source_name = 'campaign_customers' group by 1",
        )
    )
    assert rules == {"missing_segment_feature": expected["missing_income"]}
    [(record,)] = query(
        run.serving_db,
        "select raw_record from rejected_rows where source_name = 'campaign_customers' limit 1",
    )
    assert set(json.loads(record)) >= {"ID", "Year_Birth", "Income", "MntWines"}


def test_expressions_read_parsed_numbers(user_run: tuple[Run, dict]) -> None:
    run, _ = user_run
    rows = query(
        run.build_db,
        "select age, total_spend_usd, recency, education from int_customers_enriched "
        "where customer_base = 'campaign' and customer_id = '5000'",
    )
    [(age, spend, recency, education)] = rows
    assert 18 <= age <= 64 and spend == int(spend) and 0 <= recency < 99
    assert education in EDUCATION
    [(revenue, employees)] = query(
        run.build_db,
        "select annual_revenue_usd, employee_count from int_customers_enriched "
        "where customer_base = 'accounts' and customer_id = 'A000'",
    )
    assert revenue > 8_000_000 and employees > 500


def test_categorical_features_are_segmented_on_with_shares(user_run: tuple[Run, dict]) -> None:
    run, _ = user_run
    shares = query(
        run.serving_db,
        "select customer_base, segment_id, feature_name, sum(centroid_raw) "
        "from segment_centroids where feature_kind = 'categorical' group by all",
    )
    assert {(base, feature) for base, _, feature, _ in shares} == {
        ("campaign", "education"),
        ("web", "is_subscribed"),
    }
    # A categorical feature's shares in a segment add up to one.
    assert all(total == pytest.approx(1.0) for *_, total in shares)
    dimensions = dict(
        query(
            run.build_db,
            "select customer_base, list(coalesce(category_value, feature_name) "
            "order by dimension_position) from int_segment_dimensions group by 1",
        )
    )
    assert dimensions["campaign"] == ["annual_income_usd", "total_spend_usd", *EDUCATION]
    assert dimensions["web"] == ["purchase_amount_usd", "previous_purchases", "No", "Yes"]


def test_sql_assignment_agrees_with_the_fit_in_the_mixed_space(user_run: tuple[Run, dict]) -> None:
    """The whole web base is its fitting sample, so every customer must sit in the segment of
    its nearest centroid, categorical indicators included, and the segments must match the
    three generated groups exactly (subscription marks the third)."""
    run, _ = user_run
    assigned = query(
        run.serving_db,
        "select json_extract_string(attributes_json, '$.is_subscribed'), segment_id, count(*) "
        "from customer_segments where customer_base = 'web' group by all order by all",
    )
    by_segment: dict[int, set[str]] = {}
    for subscribed, segment, _ in assigned:
        by_segment.setdefault(segment, set()).add(subscribed)
    assert len(by_segment) >= 2
    assert all(len(values) == 1 for values in by_segment.values())
    [(nearest_ok,)] = query(
        run.build_db,
        "select bool_and(distance_to_centroid <= distance_to_next_centroid) "
        "from int_customers_assigned where customer_base = 'web'",
    )
    assert nearest_ok


def test_profiles_show_every_kept_column(user_run: tuple[Run, dict]) -> None:
    run, _ = user_run
    attributes = dict(
        query(
            run.serving_db,
            "select customer_base, list(distinct attribute_name order by attribute_name) "
            "from segment_profiles group by 1",
        )
    )
    assert attributes["campaign"] == [
        "age",
        "annual_income_usd",
        "education",
        "marital_status",
        "recency",
        "total_spend_usd",
    ]
    assert attributes["accounts"] == [
        "annual_revenue_usd",
        "company_size",
        "employee_count",
        "industry",
        "monetary_value_usd",
        "order_count",
        "recency_days",
    ]
    shares = query(
        run.serving_db,
        "select sum(value_share) from segment_profiles where customer_base = 'campaign' "
        "and attribute_name = 'marital_status' group by segment_id",
    )
    assert all(total == pytest.approx(1.0) for (total,) in shares)  # four values, all in top 5
    [(is_feature, kept)] = query(
        run.serving_db,
        "select bool_or(is_segment_feature) filter (where attribute_name = 'education'), "
        "bool_or(is_segment_feature) filter (where attribute_name = 'marital_status') "
        "from segment_profiles where customer_base = 'campaign'",
    )
    assert is_feature and not kept


def test_orders_belong_to_the_base_that_names_them(user_run: tuple[Run, dict]) -> None:
    run, _ = user_run
    notes = dict(
        query(
            run.serving_db,
            "select customer_base, any_value(order_history_note) from segment_summary group by 1",
        )
    )
    assert notes == {
        "accounts": None,
        "campaign": "no order history",
        "mall": "no order history",
        "shop": None,
        "web": "no order history",
    }
    revenue = dict(
        query(
            run.serving_db,
            "select customer_base, sum(revenue_usd) from segment_category_mix group by 1",
        )
    )
    assert set(revenue) == {"accounts", "shop"}
    assert revenue["accounts"] == sum(100 + a for a in range(300)) * 2


def test_run_metadata_and_report_cover_any_number_of_bases(user_run: tuple[Run, dict]) -> None:
    run, _ = user_run
    [(chosen_k, settings)] = query(
        run.serving_db, "select chosen_k_json, settings_json from segmentation_runs"
    )
    assert set(json.loads(chosen_k)) == {"accounts", "campaign", "mall", "shop", "web"}
    assert set(json.loads(settings)["customer_bases"]) == set(json.loads(chosen_k))
    html = run.report.read_text(encoding="utf-8")
    for base in ("accounts", "campaign", "web"):
        assert base.title() in html or base in html


REFUSALS = {
    "unknown_key": (
        lambda data: {"crm": {**minimal(data), "colums": {}}},
        ["base 'crm': unknown key(s) colums"],
    ),
    "missing_column": (
        lambda data: {"crm": {**minimal(data), "columns": {"customer_id": "ID", "age": "Age"}}},
        [
            "Base 'crm' customers file",
            "column 'age' maps to 'Age', which the file does not have",
            "Found columns: ID, Year_Birth",
        ],
    ),
    "expression_does_not_parse": (
        lambda data: {
            "crm": {
                **minimal(data),
                "columns": {"customer_id": "ID", "age": {"expression": "2014 - "}},
            }
        },
        ["the expression of column 'age' does not parse"],
    ),
    "expression_reads_a_missing_column": (
        lambda data: {
            "crm": {
                **minimal(data),
                "columns": {"customer_id": "ID", "age": {"expression": "2014 - Born"}},
            }
        },
        ["the expression of column 'age' reads column 'Born', which the file does not have"],
    ),
    "feature_not_mapped": (
        lambda data: {"crm": {**minimal(data), "features": ["total_spend_usd"]}},
        ["base 'crm': feature 'total_spend_usd' is not a mapped numeric column"],
    ),
    "behaviour_without_orders": (
        lambda data: {"crm": {**minimal(data), "features": ["recency_days"]}},
        ["feature 'recency_days' comes from an order history, and this base has none"],
    ),
    "categorical_with_one_value": (
        lambda data: {"crm": {**minimal(data), "categorical_features": ["country"]}},
        ["categorical feature 'country' has 1 distinct value(s)"],
    ),
    "categorical_with_too_many_values": (
        lambda data: {"crm": {**minimal(data), "categorical_features": ["postcode"]}},
        ["categorical feature 'postcode' has 600 distinct value(s)", "max_categorical_levels"],
    ),
    "retired_var": (
        lambda data: {"crm": minimal(data), "segment_features_by_base": {"crm": ["age"]}},
        ["Var 'segment_features_by_base' is replaced by the registry"],
    ),
}


def minimal(data: Path) -> dict:
    return {
        "path": str(data / "crm.csv"),
        "columns": {
            "customer_id": "ID",
            "age": {"expression": "2014 - Year_Birth"},
            "country": "Country",
            "postcode": "Postcode",
        },
        "features": ["age"],
    }


@pytest.fixture(scope="module")
def crm_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("crm")
    with (data / "crm.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["ID", "Year_Birth", "Country", "Postcode"])
        for i in range(600):
            writer.writerow([str(i), str(1950 + i % 45), "NL", f"{1000 + i}AB"])
    return data


@pytest.mark.parametrize("case", REFUSALS)
def test_a_bad_registry_is_refused_before_any_model_runs(
    crm_file: Path, tmp_path: Path, case: str
) -> None:
    make, messages = REFUSALS[case]
    bases = make(crm_file)
    extra = {k: v for k, v in bases.items() if k == "segment_features_by_base"}
    registry = {k: v for k, v in bases.items() if k != "segment_features_by_base"}
    run = run_dbt(["build"], tmp_path, dbt_vars={"customer_bases": registry, **extra})
    assert not run.ok
    for message in messages:
        assert message in run.output, run.output[-3000:]
    assert not (tmp_path / "build.duckdb").exists() or not query(
        tmp_path / "build.duckdb",
        "select * from information_schema.tables "
        "where table_name = 'stg_customer_bases__customers'",
    )


BAD_SETTINGS = {
    "k_below_two": ({"segment_k": 1}, "Var 'segment_k' must be 'auto' or an integer of at least 2"),
    "k_as_text": (
        {"segment_k": "5"},
        "Var 'segment_k' must be 'auto' or an integer of at least 2, got the text '5' "
        "(write numbers without quotes)",
    ),
    "unknown_k_rule": ({"segment_k_rule": "elbow"}, "Var 'segment_k_rule' must be one of"),
    "too_few_restarts": (
        {"segment_n_init": 5},
        "Var 'segment_n_init' must be an integer of at least 10",
    ),
    "k_range_reversed": (
        {"segment_k_min": 6, "segment_k_max": 4},
        "Var 'segment_k_max' (4) is below 'segment_k_min' (6)",
    ),
    "categorical_weight": (
        {"categorical_feature_weight": 0},
        "Var 'categorical_feature_weight' must be a positive number",
    ),
}


@pytest.mark.parametrize("case", BAD_SETTINGS)
def test_a_bad_setting_is_refused_before_any_model_runs(tmp_path: Path, case: str) -> None:
    """The engine receives these settings already checked: they are refused here, once."""
    dbt_vars, message = BAD_SETTINGS[case]
    run = run_dbt(["build"], tmp_path, dbt_vars=dbt_vars)
    assert not run.ok
    assert message in run.output, run.output[-3000:]
    assert "START sql" not in run.output

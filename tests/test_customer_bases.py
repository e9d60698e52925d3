"""Any customer file: bases described in the registry (var customer_bases) with their own column
names, delimiters, expressions, categorical columns and order histories, built beside the demo
bases; and a malformed registry or file refused before any model runs, naming base and column.

Every file here is written by the tests themselves, from a seeded generator."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml
from conftest import PROJECT_DIR, Run, demo_registry, query, run_dbt, run_pipeline

from datagen.examples import EDUCATION, write_examples


def user_bases(data: Path) -> dict:
    """The example registry (examples/bases.yml), reading its files from `data`."""
    text = (PROJECT_DIR / "examples" / "bases.yml").read_text(encoding="utf-8")
    return yaml.safe_load(text.replace("data/examples/", f"{data}/"))["customer_bases"]


@pytest.fixture(scope="module")
def user_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, dict]:
    """The main job on the demo bases plus the example registry's three bases (configured
    only by vars); with the rows written per example file and their folder."""
    data = tmp_path_factory.mktemp("user_files")
    expected = {**write_examples(data), "folder": data}
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
    assert counts["campaign_customers"][0] == expected["campaign_export.tsv"]
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
    with (expected["folder"] / "campaign_export.tsv").open(encoding="utf-8") as handle:
        missing = sum(row["Income"] == "" for row in csv.DictReader(handle, delimiter="\t"))
    assert missing > 0
    assert rules == {"missing_segment_feature": missing}
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
    "path_var_for_a_seed_no_base_reads": (
        lambda data: {"crm": minimal(data), "shop_customers_path": str(data / "crm.csv")},
        ["Var 'shop_customers_path' is set, but no base in var 'customer_bases' reads the seed"],
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
    other_vars = ("segment_features_by_base", "shop_customers_path")
    extra = {k: v for k, v in bases.items() if k in other_vars}
    registry = {k: v for k, v in bases.items() if k not in other_vars}
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
    "negative_resamples": (
        {"segment_stability_resamples": -1},
        "Var 'segment_stability_resamples' must be an integer of at least 0, got -1",
    ),
    "tiny_stability_sample": (
        {"stability_sample_size": 10},
        "Var 'stability_sample_size' must be an integer of at least 100, got 10",
    ),
    "fractional_resamples": (
        {"segment_stability_resamples": 2.5},
        "Var 'segment_stability_resamples' must be an integer of at least 0, got 2.5",
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


def test_bases_outside_the_catalog_get_names_from_their_features(
    user_run: tuple[Run, dict],
) -> None:
    """No user base is segmented on income and spending, so none gets a catalog persona: each
    segment is named by its distinctive features, and a high / low word in a name stands on a
    segment above / below its base's mean."""
    from segmentation.naming import feature_label

    run, _ = user_run
    names = query(
        run.serving_db,
        "select customer_base, segment_key, persona_name, is_catalog_persona from segment_summary "
        "where customer_base in ('campaign', 'web', 'accounts')",
    )
    assert {row[0] for row in names} == {"campaign", "web", "accounts"}
    for base in ("campaign", "web", "accounts"):
        own = [row[2] for row in names if row[0] == base]
        assert len(set(own)) == len(own) and not any(n.startswith("Mixed") for n in own)
    assert not any(row[3] for row in names)
    z = {
        (key, attribute): value
        for key, attribute, value in query(
            run.serving_db,
            "select segment_key, attribute_name, standardised_mean from segment_profiles "
            "where is_segment_feature and attribute_kind = 'numeric'",
        )
    }
    checked = 0
    for _, key, name, _ in names:
        for (segment_key, attribute), value in z.items():
            if segment_key != key:
                continue
            label = feature_label(attribute)
            if f"high {label}" in name.lower():
                assert value > 0, (name, attribute, value)
                checked += 1
            if f"low {label}" in name.lower():
                assert value < 0, (name, attribute, value)
                checked += 1
    assert checked >= 3

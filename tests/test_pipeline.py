"""End-to-end: the main job on the seeds, and what each layer must hold afterwards."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import (
    PROJECT_DIR,
    Run,
    copy_project,
    demo_registry,
    mart_contents,
    query,
    run_dbt,
    run_pipeline,
)
from sklearn.preprocessing import StandardScaler

from segmentation import engine

SEEDS = PROJECT_DIR / "seeds"
SOURCES = {
    "mall_customers": "mall_customers.csv",
    "shop_customers": "shop_customers.csv",
    "orders": "orders.csv",
    "loyalty_members": "loyalty_members.csv",
}
MARTS = [
    "customer_segments",
    "segment_profiles",
    "rejected_rows",
    "segment_category_mix",
    "segment_centroids",
    "segment_diagnostics",
    "segment_summary",
    "source_row_counts",
    "segment_migrations",
    "segment_drift",
    "segment_membership_changes",
]
#: Marts that record which run built them (ids, times), so they differ from run to run.
RUN_MARTS = ["segmentation_runs", "segment_models"]
with (SEEDS / "persona_catalog.csv").open(newline="", encoding="utf-8") as _catalog:
    CATALOG_NAMES = {row["persona_name"] for row in csv.DictReader(_catalog)}


def raw_rows(file_name: str) -> list[dict[str, str]]:
    with (SEEDS / file_name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def rule_counts(database: Path, source_name: str) -> dict[str, int]:
    """How many rejected rows of a source fail each rule."""
    return dict(
        query(
            database,
            "select rule, count(*) from ("
            "  select unnest(string_split(failed_rules, ', ')) as rule from rejected_rows"
            f"  where source_name = '{source_name}') group by rule",
        )
    )


def test_main_job_publishes_every_mart_and_prints_the_summary(pipeline_run: Run) -> None:
    tables = {row[0] for row in query(pipeline_run.serving_db, "show tables")}
    assert set(MARTS) | set(RUN_MARTS) <= tables
    assert sorted(path.stem for path in pipeline_run.parquet_dir.glob("*.parquet")) == sorted(
        [*MARTS, *RUN_MARTS]
    )
    assert "Customer base: mall" in pipeline_run.output
    assert "Luxury Shoppers" in pipeline_run.output


@pytest.mark.parametrize("source_name", SOURCES)
def test_every_raw_row_is_passed_on_or_rejected(pipeline_run: Run, source_name: str) -> None:
    raw = len(raw_rows(SOURCES[source_name]))
    [(read, passing, rejected)] = query(
        pipeline_run.serving_db,
        "select raw_row_count, passing_row_count, rejected_row_count from source_row_counts "
        f"where source_name = '{source_name}'",
    )
    [(listed,)] = query(
        pipeline_run.serving_db,
        f"select count(*) from rejected_rows where source_name = '{source_name}'",
    )
    assert read == raw
    assert passing + rejected == raw
    assert listed == rejected


def test_every_valid_customer_has_exactly_one_segment(pipeline_run: Run) -> None:
    for base, file_name in [("mall", "mall_customers.csv"), ("shop", "shop_customers.csv")]:
        [(segmented, distinct)] = query(
            pipeline_run.serving_db,
            "select count(*), count(distinct customer_id) from customer_segments "
            f"where customer_base = '{base}'",
        )
        [(rejected,)] = query(
            pipeline_run.serving_db,
            f"select count(*) from rejected_rows where source_name = '{base}_customers'",
        )
        assert segmented == distinct
        assert segmented + rejected == len(raw_rows(file_name))


def test_every_order_line_is_counted_in_the_features_or_rejected(pipeline_run: Run) -> None:
    [(counted,)] = query(
        pipeline_run.build_db, "select sum(order_line_count) from int_customers_rfm_scored"
    )
    [(rejected,)] = query(
        pipeline_run.serving_db, "select count(*) from rejected_rows where source_name = 'orders'"
    )
    assert counted + rejected == len(raw_rows("orders.csv"))
    assert counted > 0.5 * len(raw_rows("orders.csv"))


def test_shop_quirks_are_rejected_by_named_rules(pipeline_run: Run) -> None:
    rows = raw_rows("shop_customers.csv")
    counts = rule_counts(pipeline_run.serving_db, "shop_customers")
    under_age = sum(int(row["Age"]) < 18 for row in rows)
    assert under_age == 330
    assert counts["implausible_age"] == under_age
    assert counts["non_positive_income"] == sum(int(row["Annual Income ($)"]) <= 0 for row in rows)
    assert counts["spending_score_out_of_range"] == sum(
        int(row["Spending Score (1-100)"]) < 1 for row in rows
    )
    experience_above_age = {
        row["CustomerID"] for row in rows if int(row["Work Experience"]) > int(row["Age"])
    }
    flagged = {
        key
        for (key,) in query(
            pipeline_run.serving_db,
            "select raw_key from rejected_rows where source_name = 'shop_customers' "
            "and failed_rules like '%work_experience_impossible_for_age%'",
        )
    }
    assert experience_above_age <= flagged
    assert rule_counts(pipeline_run.serving_db, "mall_customers") == {}


def test_missing_profession_is_labelled_not_rejected(pipeline_run: Run) -> None:
    empty = {row["CustomerID"] for row in raw_rows("shop_customers.csv") if not row["Profession"]}
    assert len(empty) == 35
    rejected = {
        key
        for (key,) in query(
            pipeline_run.serving_db,
            "select raw_key from rejected_rows where source_name = 'shop_customers'",
        )
    }
    labelled = {
        customer_id
        for (customer_id,) in query(
            pipeline_run.serving_db,
            "select customer_id from customer_segments "
            "where customer_base = 'shop' and profession = 'Unknown'",
        )
    }
    assert labelled == empty - rejected
    assert labelled


def test_ids_stay_text_and_income_is_in_dollars(pipeline_run: Run) -> None:
    [(customer_id, income)] = query(
        pipeline_run.serving_db,
        "select customer_id, annual_income_usd from customer_segments "
        "where customer_base = 'mall' and customer_id = '0001'",
    )
    first = raw_rows("mall_customers.csv")[0]
    assert customer_id == first["CustomerID"] == "0001"
    assert income == 1000 * int(first["Annual Income (k$)"])


def test_sql_zscores_equal_standard_scaler(pipeline_run: Run) -> None:
    features = ["age", "annual_income_usd", "spending_score"]
    for base in ["mall", "shop"]:
        rows = np.array(
            query(
                pipeline_run.build_db,
                f"select {', '.join(features + [f + '_z' for f in features])} "
                f"from int_customers_featurized where customer_base = '{base}' "
                "order by customer_id",
            ),
            dtype=float,
        )
        expected = StandardScaler().fit_transform(rows[:, :3])
        np.testing.assert_allclose(rows[:, 3:], expected, atol=1e-9)


def test_mall_personas_are_named_by_position(pipeline_run: Run) -> None:
    segments = {
        persona: (income, spending)
        for persona, income, spending in query(
            pipeline_run.serving_db,
            "select persona_name, mean_annual_income_usd / 1000, mean_spending_score "
            "from segment_summary where customer_base = 'mall'",
        )
    }
    luxury = segments["Luxury Shoppers"]
    impulsive = segments["Impulsive Buyers"]
    budget = segments["Budget-Conscious"]
    assert luxury[0] > 75 and luxury[1] > 70
    assert impulsive[0] < 40 and impulsive[1] > 70
    assert budget[0] < 40 and budget[1] < 35


def test_mall_silhouette_picks_six_segments_on_three_features(pipeline_run: Run) -> None:
    rows = query(
        pipeline_run.serving_db,
        "select k, silhouette, is_chosen_k from segment_diagnostics "
        "where customer_base = 'mall' order by k",
    )
    assert [k for k, _, chosen in rows if chosen] == [6]
    best = max(rows, key=lambda row: row[1])
    assert best[0] == 6


def test_segment_summary_has_behaviour_for_the_shop_base(pipeline_run: Run) -> None:
    rows = query(
        pipeline_run.serving_db,
        "select loyalty_rate, top_product_category, revenue_share, rfm_segment_mix "
        "from segment_summary where customer_base = 'shop'",
    )
    assert rows
    for loyalty_rate, top_category, revenue_share, rfm_mix in rows:
        assert 0 <= loyalty_rate <= 1
        assert top_category in {
            "Electronics",
            "Home Goods",
            "Sports",
            "Fashion",
            "Groceries",
            "Beauty",
        }
        assert 0 < revenue_share < 1
        assert rfm_mix
    loyalty_rates = [row[0] for row in rows]
    assert max(loyalty_rates) - min(loyalty_rates) > 0.3, "segments should differ in loyalty"
    [(total,)] = query(
        pipeline_run.serving_db,
        "select sum(revenue_share) from segment_summary where customer_base = 'shop'",
    )
    assert total == pytest.approx(1)


def test_summary_medians_equal_duckdb_median(pipeline_run: Run) -> None:
    """The medians counted from distinct values equal median() over every customer."""
    differing = query(
        pipeline_run.serving_db,
        """
        select customer_base, segment_id
        from segment_summary as summary
        inner join (
            select
                customer_base,
                segment_id,
                median(age) as age,
                median(annual_income_usd) as income,
                median(spending_score) as score
            from customer_segments
            group by customer_base, segment_id
        ) as direct using (customer_base, segment_id)
        where summary.median_age is distinct from direct.age
            or summary.median_annual_income_usd is distinct from direct.income
            or summary.median_spending_score is distinct from direct.score
        """,
    )
    assert differing == []
    [(groups, odd_groups)] = query(
        pipeline_run.serving_db,
        "select count(*), count(*) filter (where customer_count % 2 = 1) from segment_summary",
    )
    # Both cases of the middle are exercised: odd and even segment sizes.
    assert groups == 11 and 0 < odd_groups < groups


def test_mall_reference_partition_on_income_and_spending(tmp_path: Path) -> None:
    """k=5 on income and spending: the published Mall Customers structure."""
    run = run_dbt(
        ["build", "--select", "+segment_summary", "--indirect-selection", "cautious"],
        tmp_path,
        dbt_vars={"segment_features": ["annual_income_usd", "spending_score"], "segment_k": 5},
    )
    assert run.ok, run.output[-4000:]
    rows = query(
        run.build_db,
        "select persona_name, customer_count, mean_annual_income_usd / 1000, mean_spending_score "
        "from segment_summary where customer_base = 'mall' order by customer_count desc",
    )
    assert [row[1] for row in rows] == [81, 39, 35, 23, 22]
    expected = [(55.3, 49.5), (86.5, 82.1), (88.2, 17.1), (26.3, 20.9), (25.7, 79.4)]
    for (_, _, income, spending), (reference_income, reference_spending) in zip(
        rows, expected, strict=True
    ):
        assert income == pytest.approx(reference_income, abs=3)
        assert spending == pytest.approx(reference_spending, abs=3)
    personas = {row[0]: row[2:] for row in rows}
    assert personas["Luxury Shoppers"][0] > 75
    assert personas["Impulsive Buyers"][0] < 40 and personas["Impulsive Buyers"][1] > 70
    assert personas["Budget-Conscious"][0] < 40 and personas["Budget-Conscious"][1] < 35


def test_gender_header_variant_drops_in_as_the_seed(tmp_path: Path) -> None:
    """The widespread copy (`Gender`, unpadded ids) replaces the seed file unchanged."""
    project = copy_project(tmp_path / "project")
    original = (SEEDS / "mall_customers.csv").read_text(encoding="utf-8").splitlines()
    header = original[0].replace("Genre", "Gender")
    body = [line.split(",", 1) for line in original[1:]]
    variant = [header] + [f"{int(customer_id)},{rest}" for customer_id, rest in body]
    (project / "seeds" / "mall_customers.csv").write_text("\n".join(variant) + "\n")
    run = run_dbt(
        ["build", "--select", "+int_customers_featurized", "--indirect-selection", "cautious"],
        tmp_path / "work",
        project_dir=project,
    )
    assert run.ok, run.output[-4000:]
    genders = dict(
        query(
            run.build_db,
            "select gender, count(*) from int_customers_featurized "
            "where customer_base = 'mall' group by gender",
        )
    )
    assert genders == {"female": 112, "male": 88}
    assert query(
        run.build_db,
        "select count(*) from int_customers_featurized where customer_base = 'mall' "
        "and customer_id = '1'",
    ) == [(1,)]


def test_two_runs_publish_identical_marts(pipeline_run: Run, tmp_path: Path) -> None:
    second = run_pipeline(tmp_path)
    assert second.ok, second.output[-4000:]
    assert mart_contents(second.serving_db, MARTS) == mart_contents(pipeline_run.serving_db, MARTS)
    for mart in MARTS:
        first_file = (pipeline_run.parquet_dir / f"{mart}.parquet").read_bytes()
        assert (second.parquet_dir / f"{mart}.parquet").read_bytes() == first_file, mart
    # The audience files too, byte for byte.
    audiences = sorted(pipeline_run.parquet_dir.glob("audiences/*/*.csv"))
    assert audiences
    for first_file in audiences:
        relative = first_file.relative_to(pipeline_run.parquet_dir)
        assert (second.parquet_dir / relative).read_bytes() == first_file.read_bytes(), relative
    assert sorted(second.parquet_dir.glob("audiences/*/*.csv")) == [
        second.parquet_dir / path.relative_to(pipeline_run.parquet_dir) for path in audiences
    ]


def test_every_dbt_unit_test_passes(pipeline_run: Run, tmp_path: Path) -> None:
    # The main job leaves the unit tests out (they read fixed inputs, not the data); they run
    # here, on a copy of its build database, which holds the tables their inputs stand in for.
    shutil.copy(pipeline_run.build_db, tmp_path / "build.duckdb")
    run = run_dbt(["test", "--select", "test_type:unit"], tmp_path)
    assert run.ok, run.output[-4000:]
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    manifest = json.loads((tmp_path / "target" / "manifest.json").read_text())
    statuses = {
        result["unique_id"]: result["status"]
        for result in results
        if result["unique_id"].startswith("unit_test.")
    }
    assert len(manifest["unit_tests"]) >= 20
    assert sorted(statuses) == sorted(manifest["unit_tests"])
    assert set(statuses.values()) == {"pass"}


def test_docs_generate_shows_the_lineage(pipeline_run: Run, tmp_path: Path) -> None:
    # A target folder of its own: the main job's run_results.json must stay that of its build,
    # which other tests publish from.
    target = tmp_path / "docs_target"
    run = run_dbt(
        ["docs", "generate"], pipeline_run.work, extra_env={"DBT_TARGET_PATH": str(target)}
    )
    assert run.ok, run.output[-4000:]
    catalog = json.loads((target / "catalog.json").read_text())
    manifest = json.loads((target / "manifest.json").read_text())
    assert "model.customer_segmentation.customer_segments" in catalog["nodes"]
    report = manifest["exposures"]["exposure.customer_segmentation.segment_report"]
    assert "model.customer_segmentation.segment_summary" in report["depends_on"]["nodes"]
    assert (
        "exposure.customer_segmentation.segments_dashboard"
        in manifest["child_map"]["model.customer_segmentation.segment_summary"]
    )


def test_sql_assignment_matches_the_engine(pipeline_run: Run) -> None:
    """Every Mall customer (the whole base is the fitting sample) is assigned by SQL to the
    centroid the engine's own nearest-centroid function picks."""
    features = ["age", "annual_income_usd", "spending_score"]
    customers = query(
        pipeline_run.build_db,
        f"select customer_id, {', '.join(f + '_z' for f in features)} "
        "from int_customers_featurized where customer_base = 'mall' order by customer_id",
    )
    centroids = query(
        pipeline_run.serving_db,
        "select segment_id, feature_name, centroid_standardised from segment_centroids "
        "where customer_base = 'mall' order by segment_id",
    )
    k = max(row[0] for row in centroids)
    matrix = np.zeros((k, len(features)))
    for segment_id, feature, value in centroids:
        matrix[segment_id - 1, features.index(feature)] = value
    labels, _, _ = engine.nearest_centroids(np.array([row[1:] for row in customers]), matrix)
    assigned = dict(
        query(
            pipeline_run.serving_db,
            "select customer_id, segment_id from customer_segments where customer_base = 'mall'",
        )
    )
    assert [assigned[row[0]] for row in customers] == [int(label) + 1 for label in labels]


def shop_features(features: list[str]) -> dict:
    """The shipped registry with the shop base segmented on other features."""
    registry = demo_registry()
    registry["shop"]["features"] = features
    return registry


def test_raw_scaling_and_features_per_base(tmp_path: Path) -> None:
    run = run_dbt(
        ["build", "--select", "+customer_segments", "--indirect-selection", "cautious"],
        tmp_path,
        dbt_vars={
            "segment_scaling": "none",
            "segment_k": 4,
            "customer_bases": shop_features(
                ["annual_income_usd", "spending_score", "recency_days", "order_count"]
            ),
        },
    )
    assert run.ok, run.output[-4000:]
    features = dict(
        query(
            run.build_db,
            "select customer_base, list(distinct feature_name order by feature_name) "
            "from int_segment_centroids where scaling = 'none' group by customer_base",
        )
    )
    assert features == {
        "mall": ["age", "annual_income_usd", "spending_score"],
        "shop": ["annual_income_usd", "order_count", "recency_days", "spending_score"],
    }
    [(segments, customers, valid)] = query(
        run.build_db,
        "select count(distinct segment_key), count(*), "
        "(select count(*) from int_customers_featurized) from customer_segments",
    )
    assert segments == 8
    assert customers == valid


def test_fitting_sample_is_bounded_and_seeded(tmp_path: Path) -> None:
    """int_segment_samples holds segment_sample_size customers of each base larger than that,
    the same ones for the same seed, other ones for another seed, and every customer of a
    smaller base."""
    selection = ["build", "--select", "+int_segment_samples", "--indirect-selection", "cautious"]
    picked = {}
    for seed in (42, 42, 7):
        run = run_dbt(
            selection,
            tmp_path / str(seed),
            dbt_vars={"segment_sample_size": 150, "random_seed": seed},
        )
        assert run.ok, run.output[-3000:]
        rows = query(
            run.build_db,
            "select customer_base, list(customer_id order by customer_id) "
            "from int_segment_samples group by 1",
        )
        picked.setdefault(seed, []).append(dict(rows))
    first, again = picked[42]
    assert len(first["shop"]) == 150 and len(first["mall"]) == 150
    assert first == again
    assert set(picked[7][0]["shop"]) != set(first["shop"])


def test_words_never_contradict_the_numbers(pipeline_run: Run) -> None:
    """Descriptions say the age band of the mean age, and younger / older only of a segment
    younger / older than its base; a catalog name stands only where its persona holds."""
    rows = query(
        pipeline_run.serving_db,
        "select s.customer_base, s.persona_name, s.persona_description, s.mean_age, "
        "s.is_catalog_persona, p.base_mean_value "
        "from segment_summary as s inner join segment_profiles as p "
        "on s.segment_key = p.segment_key and p.attribute_name = 'age'",
    )
    assert rows
    for _, name, description, mean_age, is_persona, base_mean_age in rows:
        band = "Young adults" if mean_age < 35 else "Middle-aged" if mean_age < 55 else "Older"
        assert description.startswith(band), (name, mean_age, description)
        if "younger than the base" in description:
            assert mean_age < base_mean_age
        if "older than the base" in description:
            assert mean_age > base_mean_age
        assert is_persona == (name in CATALOG_NAMES)
    # The demo shop has a low-income, low-spending segment of mean age about 74: the catalog's
    # "Budget-Conscious: middle-aged customers" would be wrong, so it is named from its profile.
    [(name, description, is_persona)] = query(
        pipeline_run.serving_db,
        "select persona_name, persona_description, is_catalog_persona from segment_summary "
        "where customer_base = 'shop' and mean_age > 65",
    )
    assert not is_persona and name != "Budget-Conscious"
    assert name.startswith("Much older") and "low income" in name.lower()
    assert description.startswith("Older customers, older than the base")


def test_every_segment_has_a_distinct_name_and_four_recommendations(pipeline_run: Run) -> None:
    rows = query(
        pipeline_run.serving_db,
        "select customer_base, persona_name, marketing_channel, product_strategy, "
        "engagement_action, resource_allocation, value_index, recommended_budget_share "
        "from segment_summary",
    )
    for base in {row[0] for row in rows}:
        names = [row[1] for row in rows if row[0] == base]
        assert len(set(names)) == len(names)
        shares = [row[7] for row in rows if row[0] == base]
        assert sum(shares) == pytest.approx(1, abs=1e-6)
    for row in rows:
        assert all(row[1:6]) and not row[1].startswith("Mixed Segment")
        # The allocation follows the value index (Invest >= 1.2, Economise <= 0.8).
        tier = "Invest" if row[6] >= 1.2 else "Economise" if row[6] <= 0.8 else "Maintain"
        assert row[5].startswith(tier), row
    # The summary shows each segment's features in their units beside the base average.
    assert "annual_income_usd" in pipeline_run.output and "(base $" in pipeline_run.output
    assert "Resources: " in pipeline_run.output


def test_bases_the_catalog_does_not_cover_are_named_from_their_features(tmp_path: Path) -> None:
    """Segmented on age and spending only (no income), the catalog does not apply: every
    segment is named by its distinctive features, and each word stands on the numbers."""
    run = run_dbt(
        ["build", "--select", "+segment_summary", "--indirect-selection", "cautious"],
        tmp_path,
        dbt_vars={"segment_features": ["age", "spending_score"], "segment_k": 4},
    )
    assert run.ok, run.output[-4000:]
    names = query(
        run.build_db,
        "select customer_base, segment_key, persona_name, is_catalog_persona, value_measure "
        "from segment_summary",
    )
    assert {row[0] for row in names} == {"mall", "shop"} and len(names) == 8
    assert not any(row[3] for row in names)
    for base in ("mall", "shop"):
        own = [row[2] for row in names if row[0] == base]
        assert len(set(own)) == 4 and not any(name in CATALOG_NAMES for name in own)
    measures = {row[0]: row[4] for row in names}
    assert measures == {
        "mall": "mean spending score / base mean",
        "shop": "revenue share / customer share",
    }
    z = dict(
        ((key, attribute), value)
        for key, attribute, value in query(
            run.build_db,
            "select segment_key, attribute_name, standardised_mean from segment_profiles "
            "where is_segment_feature",
        )
    )
    words = {"age": ("younger", "older"), "spending_score": ("low spending", "high spending")}
    checked = 0
    for _, key, name, _, _ in names:
        for attribute, (low, high) in words.items():
            lowered = name.lower()
            if high in lowered and "slightly" not in lowered.split(high)[0][-9:]:
                assert z[(key, attribute)] >= 0.4, (name, attribute, z[(key, attribute)])
                checked += 1
            if low in lowered and "slightly" not in lowered.split(low)[0][-9:]:
                assert z[(key, attribute)] <= -0.4, (name, attribute, z[(key, attribute)])
                checked += 1
    assert checked >= 6

"""Tests of the KMeans segmentation engine (segmentation/engine.py), without dbt."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

PROJECT_DIR = Path(__file__).resolve().parents[1]
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from segmentation import engine  # noqa: E402

CATALOG_PATH = PROJECT_DIR / "seeds" / "persona_catalog.csv"
PROFILE_FEATURES = ["age", "annual_income_usd", "spending_score"]
INCOME_SPENDING = ["annual_income_usd", "spending_score"]

# The five Mall groups: (income k$, spending score, age, size).
MALL_GROUPS = [
    (55, 50, 42, 81),
    (87, 82, 33, 39),
    (88, 17, 41, 35),
    (26, 21, 45, 23),
    (26, 79, 25, 22),
]


def make_sample(
    groups: list[tuple[float, float, float, int]],
    seed: int = 7,
    spread: tuple[float, float, float] = (5.0, 5.0, 5.0),
    base: str = "mall",
) -> pd.DataFrame:
    """A featurized-like sample: raw columns and population z-scores of the base."""
    rng = np.random.default_rng(seed)
    blocks = []
    for income, spending, age, size in groups:
        blocks.append(
            np.column_stack(
                [
                    rng.normal(age, spread[2], size),
                    rng.normal(income, spread[0], size) * 1000.0,
                    rng.normal(spending, spread[1], size),
                ]
            )
        )
    values = np.vstack(blocks)
    frame = pd.DataFrame(values, columns=PROFILE_FEATURES)
    for column in PROFILE_FEATURES:
        frame[f"{column}_z"] = (frame[column] - frame[column].mean()) / frame[column].std(ddof=0)
    frame.insert(0, "customer_id", [f"{base[0].upper()}{i:05d}" for i in range(len(frame))])
    frame.insert(0, "customer_base", base)
    return frame


def stats_of(sample: pd.DataFrame) -> dict[str, engine.FeatureStatistic]:
    return {
        c: engine.FeatureStatistic(float(sample[c].mean()), float(sample[c].std(ddof=0)))
        for c in PROFILE_FEATURES
    }


@pytest.fixture(scope="module")
def catalog() -> engine.PersonaCatalog:
    return engine.parse_persona_catalog(pd.read_csv(CATALOG_PATH))


@pytest.fixture(scope="module")
def mall() -> pd.DataFrame:
    return make_sample(MALL_GROUPS)


# --------------------------------------------------------------------------- settings


def test_parse_settings_defaults() -> None:
    settings = engine.parse_settings({})
    assert settings == engine.SegmentSettings()
    assert settings.features == ("age", "annual_income_usd", "spending_score")
    assert settings.k is None and settings.k_rule_label == "silhouette"
    assert (settings.k_min, settings.k_max, settings.n_init) == (2, 10, 10)
    assert (settings.sample_size, settings.silhouette_sample_size) == (100_000, 10_000)
    assert settings.scaling == "standard" and settings.random_seed == 42


def test_parse_settings_accepts_values_rendered_as_text() -> None:
    settings = engine.parse_settings(
        {
            "segment_features": '["age", "spending_score"]',
            "segment_features_by_base": "{'shop': ['family_size', 'age']}",
            "segment_k": "7",
            "segment_k_min": "3",
            "segment_k_max": 8.0,
            "segment_k_rule": " Davies_Bouldin ",
            "segment_scaling": "NONE",
            "random_seed": "0",
            "segment_n_init": "12",
            "segment_sample_size": "5000",
            "silhouette_sample_size": None,
        }
    )
    assert settings.features == ("age", "spending_score")
    assert settings.features_for("shop") == ("family_size", "age")
    assert settings.features_for("mall") == ("age", "spending_score")
    assert settings.k == 7 and settings.k_rule_label == "fixed"
    assert (settings.k_min, settings.k_max) == (3, 8)
    assert settings.k_rule == "davies_bouldin" and settings.scaling == "none"
    assert (settings.random_seed, settings.n_init, settings.sample_size) == (0, 12, 5000)
    assert settings.silhouette_sample_size == 10_000
    comma = engine.parse_settings({"segment_features": "age, spending_score", "segment_k": "AUTO"})
    assert comma.features == ("age", "spending_score") and comma.k is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"segment_k": "many"}, r"segment_k must be 'auto' or an integer >= 2"),
        ({"segment_k": 1}, r"segment_k must be 'auto' or an integer >= 2"),
        ({"segment_k": True}, r"segment_k must be 'auto'"),
        ({"segment_k_rule": "elbow"}, r"segment_k_rule must be one of 'silhouette', "),
        ({"segment_scaling": "minmax"}, r"segment_scaling must be one of 'standard', 'none'"),
        ({"segment_n_init": "5"}, r"segment_n_init must be an integer >= 10"),
        ({"segment_k_min": 1}, r"segment_k_min must be an integer >= 2"),
        ({"segment_k_min": 6, "segment_k_max": 4}, r"segment_k_max must be >= segment_k_min"),
        ({"random_seed": -1}, r"random_seed must be an integer >= 0"),
        ({"segment_sample_size": "lots"}, r"segment_sample_size must be an integer >= 3"),
        ({"silhouette_sample_size": 2.5}, r"silhouette_sample_size must be an integer"),
        ({"segment_features": ["age", "height"]}, r"unknown feature 'height'; allowed"),
        ({"segment_features": ["age", "age"]}, r"lists feature 'age' more than once"),
        ({"segment_features": "[]"}, r"segment_features must be a non-empty list"),
        ({"segment_features_by_base": "['age']"}, r"segment_features_by_base must be a mapping"),
        (
            {"segment_features_by_base": {"shop": ["salary"]}},
            r"segment_features_by_base\['shop'\] contains unknown feature 'salary'",
        ),
        ({"segment_kk": 3}, r"unknown segmentation setting\(s\) \['segment_kk'\]"),
    ],
)
def test_parse_settings_rejects_bad_values(raw: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        engine.parse_settings(raw)


# --------------------------------------------------------------------------- choosing k


def test_choose_k_follows_each_rule() -> None:
    metrics = {
        2: {"silhouette": 0.41, "calinski_harabasz": 120.0, "davies_bouldin": 0.90},
        3: {"silhouette": 0.55, "calinski_harabasz": 180.0, "davies_bouldin": 0.70},
        4: {"silhouette": 0.47, "calinski_harabasz": 250.0, "davies_bouldin": 0.65},
        5: {"silhouette": 0.44, "calinski_harabasz": 240.0, "davies_bouldin": 0.80},
    }
    pick = {
        rule: engine.choose_k({k: m[rule] for k, m in metrics.items()}, rule)
        for rule in engine.K_RULES
    }
    assert pick == {"silhouette": 3, "calinski_harabasz": 4, "davies_bouldin": 4}


def test_choose_k_ties_go_to_the_smaller_k_and_nan_never_wins() -> None:
    assert engine.choose_k({6: 0.5, 4: 0.5, 5: 0.2}, "silhouette") == 4
    assert engine.choose_k({3: 0.7, 2: 0.7, 4: 0.9}, "davies_bouldin") == 2
    # Differences below the published precision are ties too.
    assert engine.choose_k({5: 0.5 + 1e-13, 3: 0.5}, "silhouette") == 3
    assert engine.choose_k({2: math.nan, 3: 0.1}, "silhouette") == 3
    assert engine.choose_k({2: math.nan, 3: 0.9}, "davies_bouldin") == 3
    with pytest.raises(ValueError, match="no k has a defined silhouette"):
        engine.choose_k({2: math.nan}, "silhouette")
    with pytest.raises(ValueError, match="unknown k rule"):
        engine.choose_k({2: 0.5}, "gap")


def test_candidate_ks_respect_range_distinct_points_and_fixed_k() -> None:
    settings = engine.parse_settings({"segment_k_min": 2, "segment_k_max": 6})
    assert engine.candidate_ks(100, settings) == [2, 3, 4, 5, 6]
    assert engine.candidate_ks(4, settings) == [2, 3]
    fixed = engine.parse_settings({"segment_k": 9, "segment_k_max": 6})
    assert engine.candidate_ks(100, fixed) == [2, 3, 4, 5, 6, 9]
    with pytest.raises(ValueError, match="distinct point"):
        engine.candidate_ks(2, settings)
    with pytest.raises(ValueError, match="segment_k=9 exceeds the 5 distinct points"):
        engine.candidate_ks(5, fixed)


# --------------------------------------------------------------------------- geometry


def test_nearest_centroids_matches_brute_force() -> None:
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 4))
    centroids = rng.normal(size=(6, 4))
    labels, own, nxt = engine.nearest_centroids(X, centroids)
    for i, row in enumerate(X):
        distances = sorted(
            (math.sqrt(sum((a - b) ** 2 for a, b in zip(row, c, strict=True))), j)
            for j, c in enumerate(centroids)
        )
        assert labels[i] == distances[0][1]
        assert own[i] == pytest.approx(distances[0][0], abs=1e-12)
        assert nxt[i] == pytest.approx(distances[1][0], abs=1e-12)
    single_labels, _, single_next = engine.nearest_centroids(X, centroids[:1])
    assert (single_labels == 0).all() and np.isnan(single_next).all()


def test_canonical_order_is_lexicographic_on_rounded_coordinates() -> None:
    centroids = np.array(
        [
            [0.5, 2.0],
            [-1.0, 3.0],
            [0.1000000001, 5.0],  # equal to the next one at 6 decimals ...
            [0.1, 1.0],  # ... so the second coordinate decides
        ]
    )
    assert engine.canonical_order(centroids).tolist() == [1, 3, 2, 0]


def test_canonical_numbering_ignores_sklearn_labels_and_random_state(mall: pd.DataFrame) -> None:
    X = mall[["annual_income_usd_z", "spending_score_z"]].to_numpy()
    fits = [engine.fit_segments(X, 5, seed, 10) for seed in (0, 1, 42, 2024)]
    for other in fits[1:]:
        assert np.array_equal(other.centroids, fits[0].centroids)
        assert np.array_equal(other.labels, fits[0].labels)
    # Any permutation of the centroids comes back to the same canonical order.
    rng = np.random.default_rng(0)
    for _ in range(5):
        shuffled = fits[0].centroids[rng.permutation(5)]
        assert np.array_equal(shuffled[engine.canonical_order(shuffled)], fits[0].centroids)
    first_coordinates = fits[0].centroids[:, 0]
    assert (np.diff(first_coordinates) >= 0).all()


def test_settled_fit_is_a_fixed_point(mall: pd.DataFrame) -> None:
    X = mall[["age_z", "annual_income_usd_z", "spending_score_z"]].to_numpy()
    fit = engine.fit_segments(X, 6, 42, 10)
    labels, _, _ = engine.nearest_centroids(X, fit.centroids)
    assert np.array_equal(labels, fit.labels)
    for j in range(fit.k):
        assert np.array_equal(fit.centroids[j], X[fit.labels == j].mean(axis=0))


# --------------------------------------------------------------------------- reference structure


def test_raw_k5_on_income_and_spending_recovers_the_mall_group_sizes(mall: pd.DataFrame) -> None:
    # Raw Mall units: income in k$ next to the 1-100 spending score.
    X = np.column_stack([mall["annual_income_usd"] / 1000.0, mall["spending_score"]])
    fit = engine.fit_segments(X, 5, 42, 10)
    sizes = sorted(np.bincount(fit.labels, minlength=5).tolist(), reverse=True)
    assert sizes == [81, 39, 35, 23, 22]


def test_auto_k_picks_five_on_standardised_income_and_spending(mall: pd.DataFrame) -> None:
    settings = engine.parse_settings({"segment_features": INCOME_SPENDING})
    diagnostics, _ = engine.diagnose_base(mall, "mall", settings)
    assert diagnostics["k"].tolist() == list(range(2, 11))
    assert diagnostics.loc[diagnostics["is_chosen_k"], "k"].tolist() == [5]
    for rule in ("calinski_harabasz", "davies_bouldin"):
        by_rule = engine.parse_settings(
            {"segment_features": INCOME_SPENDING, "segment_k_rule": rule}
        )
        chosen, _ = engine.diagnose_base(mall, "mall", by_rule)
        assert chosen.loc[chosen["is_chosen_k"], "k"].tolist() == [5], rule


# --------------------------------------------------------------------------- personas


def expected_persona(income_k: float, spending: float) -> set[str]:
    high_income, high_spending = income_k > 70, spending > 65
    if 40 <= income_k <= 70 and 35 <= spending <= 65:
        return {"Practical Buyers", "Balanced Spenders"}
    if high_income and high_spending:
        return {"Luxury Shoppers"}
    if high_income:
        return {"Affluent Minimalists"}
    if high_spending:
        return {"Impulsive Buyers"}
    return {"Budget-Conscious"}


@pytest.mark.parametrize("features", [PROFILE_FEATURES, INCOME_SPENDING])
def test_personas_on_the_five_mall_groups(
    mall: pd.DataFrame, catalog: engine.PersonaCatalog, features: list[str]
) -> None:
    settings = engine.parse_settings({"segment_features": features, "segment_k": 5})
    centroids = engine.centroids_for_base(mall, "mall", settings, 5, stats_of(mall), catalog)
    wide = centroids.pivot(index="segment_id", columns="feature_name", values="centroid_raw")
    names = centroids.groupby("segment_id")["persona_name"].first()
    assert names.is_unique
    for segment_id, row in wide.iterrows():
        expected = expected_persona(row["annual_income_usd"] / 1000, row["spending_score"])
        assert names[segment_id] in expected, (segment_id, row.to_dict(), names[segment_id])


def test_young_high_income_low_spenders_are_conservative_earners(
    catalog: engine.PersonaCatalog,
) -> None:
    groups = [(55, 50, 56, 60), (88, 17, 26, 40), (26, 79, 25, 30), (87, 82, 33, 30)]
    sample = make_sample(groups, seed=11)
    X = sample[["age_z", "annual_income_usd_z", "spending_score_z"]].to_numpy()
    fit = engine.fit_segments(X, 4, 42, 10)
    names = engine.assign_personas(engine.segment_profiles(sample, fit.labels, 4), catalog)
    incomes = [X[fit.labels == j, 1].mean() for j in range(4)]
    spendings = [X[fit.labels == j, 2].mean() for j in range(4)]
    target = next(j for j in range(4) if incomes[j] > 0.5 and spendings[j] < -0.5)
    assert names[target] == "Conservative Earners"
    assert "Practical Buyers" in names  # the older middle group


def z_profile(age: float, income_k: float, spending: float) -> list[float]:
    """Profile in the Mall base's z units (age, income, spending)."""
    return [(age - 38.85) / 13.9, (income_k - 60.56) / 26.2, (spending - 50.2) / 25.8]


def test_income_and_spending_outweigh_age(catalog: engine.PersonaCatalog) -> None:
    assert engine.PERSONA_WEIGHTS[0] < min(engine.PERSONA_WEIGHTS[1:])
    # An older low-income big spender is still an impulsive buyer, not a practical one.
    older_impulsive = np.array([z_profile(50, 26, 79)])
    assert engine.assign_personas(older_impulsive, catalog) == ["Impulsive Buyers"]
    # Age separates personas that share an income and spending pattern.
    young_middle, old_middle = np.array([z_profile(26, 55, 50)]), np.array([z_profile(58, 55, 50)])
    assert engine.assign_personas(young_middle, catalog) == ["Balanced Spenders"]
    assert engine.assign_personas(old_middle, catalog) == ["Practical Buyers"]


def test_persona_assignment_is_one_to_one(catalog: engine.PersonaCatalog) -> None:
    rng = np.random.default_rng(5)
    for k in (2, 5, 7):
        names = engine.assign_personas(rng.normal(size=(k, 3)), catalog)
        assert len(set(names)) == k
        assert set(names) <= set(catalog.names)
    # Two identical profiles still get two different personas.
    twins = engine.assign_personas(np.array([[0.0, 1.0, 1.2]] * 2), catalog)
    assert len(set(twins)) == 2 and "Luxury Shoppers" in twins


def test_segments_beyond_the_catalog_get_fallback_names(catalog: engine.PersonaCatalog) -> None:
    rng = np.random.default_rng(9)
    names = engine.assign_personas(rng.normal(size=(9, 3)), catalog)
    fallbacks = [(i + 1, n) for i, n in enumerate(names) if n not in catalog.names]
    assert len(fallbacks) == 2
    assert all(name == f"Mixed Segment {segment_id}" for segment_id, name in fallbacks)
    assert sorted(n for n in names if n in catalog.names) == sorted(catalog.names)
    assert engine.fallback_persona_name(8) == "Mixed Segment 8"


def test_missing_profile_dimension_is_ignored(catalog: engine.PersonaCatalog) -> None:
    profiles = np.array([[np.nan, 1.0, 1.2], [np.nan, -1.3, -1.2]])
    assert engine.assign_personas(profiles, catalog) == ["Luxury Shoppers", "Budget-Conscious"]


def test_persona_catalog_seed_is_well_formed() -> None:
    catalog = pd.read_csv(CATALOG_PATH)
    assert tuple(catalog.columns) == engine.CATALOG_COLUMNS
    assert catalog["persona_id"].tolist() == list(range(1, 8))
    assert set(catalog["persona_name"]) == {
        "Practical Buyers",
        "Luxury Shoppers",
        "Impulsive Buyers",
        "Conservative Earners",
        "Affluent Minimalists",
        "Budget-Conscious",
        "Balanced Spenders",
    }
    for level in ("income_level", "spending_level", "age_level"):
        assert set(catalog[level]) <= {"low", "mid", "high"}
    text = ["description", "marketing_channel", "product_strategy", "engagement_action"]
    assert catalog[text].notna().all().all()
    # Prototype z positions agree with the levels.
    high = catalog["income_level"] == "high"
    assert (catalog.loc[high, "prototype_income_z"] > 0.5).all()
    assert (catalog.loc[catalog["income_level"] == "low", "prototype_income_z"] < -0.5).all()
    assert (catalog.loc[catalog["spending_level"] == "high", "prototype_spending_z"] > 0.5).all()


# --------------------------------------------------------------------------- pipeline


def small_frame() -> pd.DataFrame:
    return make_sample([(30, 30, 50, 15), (80, 80, 30, 15), (30, 80, 25, 12), (85, 20, 45, 14)], 21)


def test_pipeline_on_a_small_frame(catalog: engine.PersonaCatalog) -> None:
    sample = small_frame()
    settings = engine.parse_settings({"segment_k_max": 6})
    diagnostics, centroids = engine.segment_base(
        sample, "mall", settings, stats_of(sample), catalog
    )

    assert list(diagnostics.columns) == list(engine.DIAGNOSTICS_DTYPES)
    assert diagnostics["k"].tolist() == [2, 3, 4, 5, 6]
    assert (diagnostics["sample_row_count"] == len(sample)).all()
    assert diagnostics["is_chosen_k"].sum() == 1
    assert (diagnostics["k_rule"] == "silhouette").all()
    assert diagnostics["inertia"].is_monotonic_decreasing
    chosen = int(diagnostics.loc[diagnostics["is_chosen_k"], "k"].iloc[0])
    assert chosen == 4

    assert list(centroids.columns) == list(engine.CENTROIDS_DTYPES)
    assert len(centroids) == chosen * 3
    assert sorted(set(centroids["segment_id"])) == list(range(1, chosen + 1))
    assert centroids["feature_position"].tolist() == [1, 2, 3] * chosen
    assert centroids["feature_name"].tolist() == PROFILE_FEATURES * chosen
    assert centroids.groupby("segment_id")["persona_name"].first().is_unique
    assert (centroids["scaling"] == "standard").all()
    stats = stats_of(sample)
    for row in centroids.itertuples():
        stat = stats[row.feature_name]
        assert row.centroid_raw == pytest.approx(
            row.centroid_standardised * stat.stddev + stat.mean
        )

    # The same sample in another row order gives byte-identical output.
    shuffled = sample.sample(frac=1.0, random_state=3)
    again = engine.segment_base(shuffled, "mall", settings, stats_of(sample), catalog)
    pd.testing.assert_frame_equal(again[0], diagnostics, check_exact=True)
    pd.testing.assert_frame_equal(again[1], centroids, check_exact=True)

    # The refit that the centroids model does agrees with the diagnostics' fit.
    refit = engine.centroids_for_base(sample, "mall", settings, chosen, stats_of(sample), catalog)
    pd.testing.assert_frame_equal(refit, centroids, check_exact=True)


def test_pipeline_without_scaling_fits_raw_values(catalog: engine.PersonaCatalog) -> None:
    sample = small_frame()
    stats = stats_of(sample)
    settings = engine.parse_settings(
        {"segment_scaling": "none", "segment_features": INCOME_SPENDING, "segment_k": 4}
    )
    diagnostics, centroids = engine.segment_base(sample, "mall", settings, stats, catalog)
    assert (diagnostics["k_rule"] == "fixed").all()
    assert diagnostics.loc[diagnostics["is_chosen_k"], "k"].tolist() == [4]
    assert (centroids["scaling"] == "none").all()
    X = sample[INCOME_SPENDING].to_numpy()
    fit = engine.fit_segments(X, 4, 42, 10)
    raw = centroids.pivot(index="segment_id", columns="feature_name", values="centroid_raw")
    assert np.allclose(raw[INCOME_SPENDING].to_numpy(), fit.centroids, atol=1e-9)
    for row in centroids.itertuples():
        stat = stats[row.feature_name]
        expected = (row.centroid_raw - stat.mean) / stat.stddev
        assert row.centroid_standardised == pytest.approx(expected, abs=1e-8)
    inertia = diagnostics.loc[diagnostics["k"] == 4, "inertia"].iloc[0]
    assert inertia == pytest.approx(((X - fit.centroids[fit.labels]) ** 2).sum(), rel=1e-12)


def test_fixed_k_outside_the_range_is_diagnosed_and_chosen(catalog: engine.PersonaCatalog) -> None:
    sample = small_frame()
    settings = engine.parse_settings({"segment_k": 9, "segment_k_max": 4})
    diagnostics, centroids = engine.segment_base(
        sample, "mall", settings, stats_of(sample), catalog
    )
    assert diagnostics["k"].tolist() == [2, 3, 4, 9]
    assert diagnostics.loc[diagnostics["is_chosen_k"], "k"].tolist() == [9]
    assert centroids["segment_id"].max() == 9
    fallback = sorted(set(centroids["persona_name"]) - set(catalog.names))
    assert len(fallback) == 2 and all(n.startswith("Mixed Segment ") for n in fallback)


def test_outputs_are_deterministic_and_rounded(
    mall: pd.DataFrame, catalog: engine.PersonaCatalog
) -> None:
    settings = engine.parse_settings({})
    first = engine.segment_base(mall, "mall", settings, stats_of(mall), catalog)
    second = engine.segment_base(mall, "mall", settings, stats_of(mall), catalog)
    for a, b in zip(first, second, strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    floats = [*first[0].select_dtypes("float").to_numpy().ravel()]
    floats += [*first[1].select_dtypes("float").to_numpy().ravel()]
    assert all(v == round(v, engine.FLOAT_DECIMALS) for v in floats)
    assert not any(v == 0.0 and math.copysign(1.0, v) < 0 for v in floats)
    combined = engine.combine_diagnostics([first[0], first[0].assign(customer_base="alpha")])
    keys = list(zip(combined["customer_base"], combined["k"], strict=True))
    assert keys == sorted(keys) and keys[0] == ("alpha", 2)


def test_unavailable_feature_raises_a_clear_error(catalog: engine.PersonaCatalog) -> None:
    sample = small_frame()
    sample["family_size"] = np.nan
    sample["family_size_z"] = np.nan
    settings = engine.parse_settings({"segment_features": ["age", "family_size"]})
    with pytest.raises(ValueError, match="'family_size' is not available for customer_base 'mall'"):
        engine.diagnose_base(sample, "mall", settings)
    sample.loc[0, "family_size_z"] = 1.0
    with pytest.raises(ValueError, match=f"has {len(sample) - 1} NULL value"):
        engine.diagnose_base(sample, "mall", settings)


# --------------------------------------------------------------------------- DuckDB helpers


def test_duckdb_sample_is_bounded_deterministic_and_per_base() -> None:
    connection = duckdb.connect()
    frame = pd.concat(
        [small_frame(), make_sample([(40, 40, 40, 30), (70, 70, 30, 30)], base="shop")],
        ignore_index=True,
    )
    connection.register("featurized_df", frame)
    relation = connection.sql("select * from featurized_df")
    assert engine.customer_bases(relation) == ["mall", "shop"]
    columns = engine.sample_columns(["spending_score", "age"])
    assert columns == [
        "customer_base",
        "customer_id",
        "spending_score",
        "spending_score_z",
        "age",
        "age_z",
        "annual_income_usd_z",
    ]
    first = engine.draw_base_sample(relation, "shop", columns, 42, 25)
    second = engine.draw_base_sample(relation, "shop", columns, 42, 25)
    other_seed = engine.draw_base_sample(relation, "shop", columns, 7, 25)
    assert len(first) == 25 and (first["customer_base"] == "shop").all()
    pd.testing.assert_frame_equal(first, second)
    assert set(first["customer_id"]) != set(other_seed["customer_id"])
    assert list(first.columns) == columns
    whole = engine.draw_base_sample(relation, "mall", columns, 42, 1000)
    assert len(whole) == len(small_frame())

    diagnostics = connection.sql(
        "select * from (values ('mall', 2, false), ('mall', 3, true), ('shop', 4, true))"
        " as t(customer_base, k, is_chosen_k)"
    )
    assert engine.chosen_k_by_base(diagnostics) == {"mall": 3, "shop": 4}

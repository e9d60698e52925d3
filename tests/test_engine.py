"""Tests of the KMeans segmentation engine (segmentation/engine.py), without dbt."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
import yaml

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


def dims_of(sample: pd.DataFrame, features: list[str]) -> list[engine.Dimension]:
    """Numeric dimensions with the sample's population statistics (as int_segment_dimensions)."""
    return [
        engine.Dimension(c, mean=float(sample[c].mean()), stddev=float(sample[c].std(ddof=0)))
        for c in features
    ]


def vectorised(
    sample: pd.DataFrame, features: list[str], scaling: str = "standard"
) -> pd.DataFrame:
    """The sample with its feature_vector (as int_customers_featurized builds it)."""
    columns = [f"{f}_z" if scaling == "standard" else f for f in features]
    out = sample.copy()
    out[engine.VECTOR_COLUMN] = [list(row) for row in sample[columns].to_numpy()]
    return out


#: The settings' defaults, read from their one home (dbt_project.yml).
PROJECT_SETTINGS = {
    key: yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"][key]
    for key in engine.SETTING_KEYS
}


def settings_with(**overrides: object) -> engine.SegmentSettings:
    """The project's default settings with some changed, as the models receive them."""
    return engine.parse_settings({**PROJECT_SETTINGS, **overrides})


@pytest.fixture(scope="module")
def catalog() -> engine.PersonaCatalog:
    return engine.parse_persona_catalog(pd.read_csv(CATALOG_PATH))


@pytest.fixture(scope="module")
def mall() -> pd.DataFrame:
    return make_sample(MALL_GROUPS)


# --------------------------------------------------------------------------- settings


def test_project_defaults_parse() -> None:
    settings = settings_with()
    assert settings.k is None and settings.k_rule_label == "silhouette"
    assert (settings.k_min, settings.k_max, settings.n_init) == (2, 10, 10)
    assert (settings.sample_size, settings.silhouette_sample_size) == (100_000, 10_000)
    assert settings.scaling == "standard" and settings.random_seed == 42
    assert (settings.stability_resamples, settings.stability_sample_size) == (10, 5_000)


def test_parse_settings_converts_values_rendered_as_text() -> None:
    settings = engine.parse_settings(
        {
            "segment_k": "7",
            "segment_k_min": "3",
            "segment_k_max": 8,
            "segment_k_rule": "davies_bouldin",
            "segment_scaling": "none",
            "random_seed": "0",
            "segment_n_init": "12",
            "segment_sample_size": "5000",
            "diagnostics_sample_size": "3000",
            "silhouette_sample_size": " 2000 ",
            "segment_stability_resamples": "0",
            "stability_sample_size": "800",
            "segment_mode": "score",
            "segment_match_max_distance": "0.5",
        }
    )
    assert settings.mode == "score" and not settings.fits
    assert settings.match_max_distance == 0.5
    assert settings.k == 7 and settings.k_rule_label == "fixed"
    assert (settings.k_min, settings.k_max) == (3, 8)
    assert settings.k_rule == "davies_bouldin" and settings.scaling == "none"
    assert (settings.random_seed, settings.n_init, settings.sample_size) == (0, 12, 5000)
    assert settings.silhouette_sample_size == 2000
    assert settings.diagnostics_sample_size == 3000
    assert (settings.stability_resamples, settings.stability_sample_size) == (0, 800)
    assert settings_with(segment_k="auto").k is None


def test_parse_settings_refuses_a_missing_or_unknown_key() -> None:
    complete = {key: str(value) for key, value in PROJECT_SETTINGS.items()}
    with pytest.raises(ValueError, match=r"lacks \['segment_k'\]"):
        engine.parse_settings({k: v for k, v in complete.items() if k != "segment_k"})
    # Features come from the registry through int_segment_dimensions, never from here.
    with pytest.raises(ValueError, match=r"unknown keys \['segment_features'\]"):
        engine.parse_settings({**complete, "segment_features": "[age]"})


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
    settings = settings_with(segment_k_min=2, segment_k_max=6)
    assert engine.candidate_ks(100, settings) == [2, 3, 4, 5, 6]
    assert engine.candidate_ks(4, settings) == [2, 3]
    fixed = settings_with(segment_k=9, segment_k_max=6)
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
    settings = settings_with()
    sample, dims = vectorised(mall, INCOME_SPENDING), dims_of(mall, INCOME_SPENDING)
    diagnostics, _ = engine.diagnose_base(sample, "mall", settings, dims)
    assert diagnostics["k"].tolist() == list(range(2, 11))
    assert diagnostics.loc[diagnostics["is_chosen_k"], "k"].tolist() == [5]
    for rule in ("calinski_harabasz", "davies_bouldin"):
        by_rule = settings_with(segment_k_rule=rule)
        chosen, _ = engine.diagnose_base(sample, "mall", by_rule, dims)
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
    settings = settings_with(segment_k=5)
    centroids = engine.centroids_for_base(
        vectorised(mall, features), "mall", settings, 5, dims_of(mall, features), catalog
    )
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
    raw = small_frame()
    sample, dims = vectorised(raw, PROFILE_FEATURES), dims_of(raw, PROFILE_FEATURES)
    settings = settings_with(segment_k_max=6)
    diagnostics, centroids = engine.segment_base(sample, "mall", settings, dims, catalog)

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
    assert centroids["dimension_position"].tolist() == [1, 2, 3] * chosen
    assert centroids["feature_name"].tolist() == PROFILE_FEATURES * chosen
    assert (centroids["feature_kind"] == "numeric").all()
    assert centroids.groupby("segment_id")["persona_name"].first().is_unique
    assert (centroids["scaling"] == "standard").all()
    assert (centroids["centroid_value"] == centroids["centroid_standardised"]).all()
    stats = {d.feature_name: d for d in dims}
    for row in centroids.itertuples():
        stat = stats[row.feature_name]
        assert row.centroid_raw == pytest.approx(
            row.centroid_standardised * stat.stddev + stat.mean
        )

    # The same sample in another row order gives byte-identical output.
    shuffled = sample.sample(frac=1.0, random_state=3)
    again = engine.segment_base(shuffled, "mall", settings, dims, catalog)
    pd.testing.assert_frame_equal(again[0], diagnostics, check_exact=True)
    pd.testing.assert_frame_equal(again[1], centroids, check_exact=True)


def test_diagnostics_fit_a_seeded_subset_and_the_chosen_k_the_whole_sample(
    catalog: engine.PersonaCatalog,
) -> None:
    """Past diagnostics_sample_size, every k is fitted on a seeded subset of the sample (the
    same rows whatever their order) and the chosen k on the whole sample, as the dbt models
    do: segment_base's centroids are those of a fit on every row."""
    raw = make_sample([(30, 30, 50, 400), (80, 80, 30, 400), (30, 80, 25, 300)], 11)
    sample, dims = vectorised(raw, PROFILE_FEATURES), dims_of(raw, PROFILE_FEATURES)
    settings = settings_with(segment_k_max=5, diagnostics_sample_size=400)

    diagnostics, centroids = engine.segment_base(sample, "mall", settings, dims, catalog)
    assert (diagnostics["sample_row_count"] == 400).all()
    chosen = int(diagnostics.loc[diagnostics["is_chosen_k"], "k"].iloc[0])
    assert chosen == 3
    whole = engine.centroids_for_base(sample, "mall", settings, chosen, dims, catalog)
    pd.testing.assert_frame_equal(centroids, whole, check_exact=True)

    shuffled = sample.sample(frac=1.0, random_state=5)
    again = engine.diagnose_base(shuffled, "mall", settings, dims)[0]
    pd.testing.assert_frame_equal(again, diagnostics, check_exact=True)
    # Another subset size fits other rows: the inertias differ.
    other = engine.diagnose_base(sample, "mall", settings_with(segment_k_max=5), dims)[0]
    assert (other["sample_row_count"] == len(sample)).all()
    assert not np.allclose(other["inertia"], diagnostics["inertia"])
    rows = engine.diagnostics_rows(1_100, 400, 42)
    assert len(rows) == 400 and len(set(rows)) == 400 and (np.diff(rows) > 0).all()
    assert (engine.diagnostics_rows(300, 400, 42) == np.arange(300)).all()

    # The refit that the centroids model does agrees with the diagnostics' fit.
    refit = engine.centroids_for_base(sample, "mall", settings, chosen, dims, catalog)
    pd.testing.assert_frame_equal(refit, centroids, check_exact=True)


def test_pipeline_without_scaling_fits_raw_values(catalog: engine.PersonaCatalog) -> None:
    sample = small_frame()
    dims = dims_of(sample, INCOME_SPENDING)
    stats = {d.feature_name: d for d in dims}
    settings = settings_with(segment_scaling="none", segment_k=4)
    diagnostics, centroids = engine.segment_base(
        vectorised(sample, INCOME_SPENDING, "none"), "mall", settings, dims, catalog
    )
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
    raw = small_frame()
    settings = settings_with(segment_k=9, segment_k_max=4)
    diagnostics, centroids = engine.segment_base(
        vectorised(raw, PROFILE_FEATURES), "mall", settings, dims_of(raw, PROFILE_FEATURES), catalog
    )
    assert diagnostics["k"].tolist() == [2, 3, 4, 9]
    assert diagnostics.loc[diagnostics["is_chosen_k"], "k"].tolist() == [9]
    assert centroids["segment_id"].max() == 9
    # Beyond the catalog, segments are named from the data: never "Mixed Segment", all distinct.
    names = centroids.groupby("segment_id")["persona_name"].first()
    assert names.is_unique and len(names) == 9
    assert not any(name.startswith("Mixed Segment") for name in names)
    assert len(set(names) - set(catalog.names)) >= 2


def test_outputs_are_deterministic_and_rounded(
    mall: pd.DataFrame, catalog: engine.PersonaCatalog
) -> None:
    settings = settings_with()
    sample, dims = vectorised(mall, PROFILE_FEATURES), dims_of(mall, PROFILE_FEATURES)
    first = engine.segment_base(sample, "mall", settings, dims, catalog)
    second = engine.segment_base(sample, "mall", settings, dims, catalog)
    for a, b in zip(first, second, strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    floats = [*first[0].select_dtypes("float").to_numpy().ravel()]
    floats += [*first[1].select_dtypes("float").to_numpy().ravel()]
    assert all(v == round(v, engine.FLOAT_DECIMALS) for v in floats)
    assert not any(v == 0.0 and math.copysign(1.0, v) < 0 for v in floats)
    combined = engine.combine_diagnostics([first[0], first[0].assign(customer_base="alpha")])
    keys = list(zip(combined["customer_base"], combined["k"], strict=True))
    assert keys == sorted(keys) and keys[0] == ("alpha", 2)


def test_missing_values_and_wrong_vectors_raise_a_clear_error() -> None:
    sample = small_frame()
    sample["family_size"] = 3.0
    sample["family_size_z"] = 0.0
    sample.loc[[0, 4], "family_size_z"] = np.nan
    features = ["age", "family_size"]
    settings = settings_with()
    with pytest.raises(
        ValueError, match="2 customer\\(s\\) of customer_base 'mall' have no value for family_size"
    ):
        engine.diagnose_base(
            vectorised(sample, features), "mall", settings, dims_of(sample, features)
        )
    with pytest.raises(ValueError, match="must have 3 values"):
        engine.diagnose_base(
            vectorised(sample, features), "mall", settings, dims_of(sample, [*features, "age"])
        )


def test_categorical_dimensions_give_shares_and_one_weight_apart(
    catalog: engine.PersonaCatalog,
) -> None:
    # Two groups equal in income, told apart only by a category (indicator value w / sqrt(2)).
    rng = np.random.default_rng(5)
    value = 1.0 / math.sqrt(2)
    rows = []
    for i in range(40):
        graduate = i % 2 == 0
        income_z = float(rng.normal(0, 0.05))
        rows.append(
            {
                "customer_base": "crm",
                "customer_id": f"c{i:03d}",
                "feature_vector": [
                    income_z,
                    value if graduate else 0.0,
                    0.0 if graduate else value,
                ],
                "age_z": np.nan,
                "annual_income_usd_z": income_z,
                "spending_score_z": np.nan,
            }
        )
    sample = pd.DataFrame(rows)
    dims = [
        engine.Dimension("annual_income_usd", mean=50_000.0, stddev=10_000.0),
        engine.Dimension("education", engine.CATEGORICAL, "Graduate", encoding_value=value),
        engine.Dimension("education", engine.CATEGORICAL, "School", encoding_value=value),
    ]
    settings = settings_with(segment_k=2)
    centroids = engine.centroids_for_base(sample, "crm", settings, 2, dims, catalog)
    shares = centroids[centroids["feature_kind"] == "categorical"].pivot(
        index="segment_id", columns="category_value", values="centroid_raw"
    )
    # Each segment is one category whole: shares 1 and 0, never a mix.
    assert sorted(shares.to_numpy().ravel().tolist()) == [0.0, 0.0, 1.0, 1.0]
    assert centroids["category_value"].isna().tolist() == [True, False, False] * 2
    X = engine.feature_matrix(sample, "crm", dims)
    graduate, school = X[0], X[1]
    assert np.linalg.norm(graduate[1:] - school[1:]) == pytest.approx(1.0)


# --------------------------------------------------------------------------- DuckDB helpers


def test_duckdb_relations_give_one_base_in_id_order_and_the_chosen_k() -> None:
    connection = duckdb.connect()
    frame = pd.concat(
        [small_frame(), make_sample([(40, 40, 40, 30), (70, 70, 30, 30)], base="shop")],
        ignore_index=True,
    ).sample(frac=1.0, random_state=4)
    connection.register("samples_df", frame)
    relation = connection.sql("select * from samples_df")
    assert engine.customer_bases(relation) == ["mall", "shop"]
    shop = engine.base_sample(relation, "shop")
    assert len(shop) == 60 and (shop["customer_base"] == "shop").all()
    assert shop["customer_id"].tolist() == sorted(shop["customer_id"])

    diagnostics = connection.sql(
        "select * from (values ('mall', 2, false), ('mall', 3, true), ('shop', 4, true))"
        " as t(customer_base, k, is_chosen_k)"
    )
    assert engine.chosen_k_by_base(diagnostics) == {"mall": 3, "shop": 4}


# --------------------------------------------------------------------------- names


def test_persona_holds_only_near_its_prototype(catalog: engine.PersonaCatalog) -> None:
    from segmentation.personas import persona_distance, persona_holds

    # The Mall's low-low group sits on the Budget-Conscious prototype: the persona holds.
    budget = np.array(z_profile(45, 26, 21))
    assert persona_holds(budget, catalog, "Budget-Conscious")
    # The same income and spending at a mean age of 74 is 2.5 z older than "middle-aged":
    # too far from the prototype, and its age level contradicts the persona's.
    aged = np.array(z_profile(74, 26, 21))
    budget_index = catalog.names.index("Budget-Conscious")
    assert persona_distance(aged, catalog.prototypes[budget_index]) > 1.0
    assert not persona_holds(aged, catalog, "Budget-Conscious")
    # A high level is contradicted by a segment below its base's average (z < 0) even
    # within the distance: an average earner who spends a lot is no Luxury Shopper.
    near = np.array([-0.42, -0.05, 1.233])
    assert persona_distance(near, catalog.prototypes[catalog.names.index("Luxury Shoppers")]) < 1.1
    assert not persona_holds(near, catalog, "Luxury Shoppers")
    assert not persona_holds(budget, catalog, "Mixed Segment 1")


def test_old_low_spenders_are_not_called_budget_conscious(catalog: engine.PersonaCatalog) -> None:
    from segmentation.naming import name_segments

    dims = [engine.Dimension(f) for f in PROFILE_FEATURES]
    profiles = np.array([z_profile(74, 26, 21), z_profile(33, 87, 82)])
    names = name_segments(dims, profiles, np.array([50, 50]), profiles, catalog)
    assert names[1].name == "Luxury Shoppers" and names[1].is_catalog_persona
    assert not names[0].is_catalog_persona
    assert names[0].name == "Much older · low income · low spending"


def test_names_come_from_distinctive_features() -> None:
    from segmentation.naming import category_text, numeric_trait, segment_traits

    assert numeric_trait("annual_income_usd", 1.6).text == "very high income"
    assert numeric_trait("annual_income_usd", 0.5).text == "high income"
    assert numeric_trait("annual_income_usd", -0.49).text == "slightly lower income"
    assert not numeric_trait("annual_income_usd", -0.49).is_distinctive
    assert numeric_trait("recency_days", -0.8).text == "recent"
    assert numeric_trait("order_count", 0.9).text == "frequent"
    assert numeric_trait("total_spend_usd", 0.7).text == "high total spend"
    assert category_text("is_subscribed", "Yes") == "subscribed"
    assert category_text("is_subscribed", "No") == "not subscribed"
    assert category_text("newsletter", "yes") == "newsletter yes"
    assert category_text("profession", "Healthcare") == "Healthcare"
    # A category names a segment by lift; one as common in every segment never does.
    dims = [
        engine.Dimension("age"),
        engine.Dimension("plan", engine.CATEGORICAL, "premium"),
        engine.Dimension("plan", engine.CATEGORICAL, "basic"),
        engine.Dimension("newsletter", engine.CATEGORICAL, "yes"),
        engine.Dimension("newsletter", engine.CATEGORICAL, "no"),
    ]
    centroids = np.array(
        [
            [0.9, 0.8, 0.2, 0.6, 0.4],
            [-0.9, 0.1, 0.9, 0.6, 0.4],
        ]
    )
    traits = segment_traits(dims, centroids, np.array([50, 50]))
    # Premium: lift 0.8 / 0.45 = 1.78, log2 0.83, less distinctive than age at z 0.9.
    assert [t.text for t in traits[0]] == ["older", "premium"]
    assert [t.text for t in traits[1]] == ["younger", "basic"]
    assert all("newsletter" not in t.text for own in traits for t in own)


def test_names_are_distinct_and_grow_only_to_tell_segments_apart(
    catalog: engine.PersonaCatalog,
) -> None:
    from segmentation.naming import AVERAGE_NAME, name_segments

    # Not segmented on income and spending: the catalog does not apply, every name is built.
    dims = [engine.Dimension(f) for f in ("age", "order_count", "recency_days", "tenure_years")]
    centroids = np.array(
        [
            [1.2, 0.9, -0.6, 0.1],
            [1.1, 0.8, -0.7, -0.3],
            [-1.0, -0.2, 0.4, 0.0],
            [0.1, 0.2, -0.1, 0.2],
            [-0.1, -0.3, 0.2, -0.1],
        ]
    )
    profiles = np.full((5, 3), np.nan)
    names = name_segments(dims, centroids, np.array([20] * 5), profiles, catalog)
    texts = [n.name for n in names]
    assert not any(n.is_catalog_persona for n in names)
    assert len(set(texts)) == 5
    # The first two share their three distinctive traits: each adds its next feature.
    assert texts[0] == "Older · frequent · recent · slightly higher tenure"
    assert texts[1] == "Older · frequent · recent · slightly lower tenure"
    assert texts[2] == "Younger"
    # Two segments with nothing distinctive would both be "Average customers": each takes
    # its largest deviation (ties in feature order) instead.
    assert texts[3] == "Slightly more frequent"
    assert texts[4] == "Slightly less frequent"
    alone = name_segments(dims, centroids[3:4], np.array([20]), profiles[:1], catalog)
    assert alone[0].name == AVERAGE_NAME
    assert "Mixed Segment" not in " ".join(texts)


def test_a_persona_that_does_not_hold_gives_way_to_a_built_name(
    mall: pd.DataFrame, catalog: engine.PersonaCatalog
) -> None:
    # Ten segments on three features: beyond the seven personas, and every name distinct.
    settings = settings_with(segment_k=10)
    sample = vectorised(mall, PROFILE_FEATURES)
    centroids = engine.centroids_for_base(
        sample, "mall", settings, 10, dims_of(mall, PROFILE_FEATURES), catalog
    )
    names = centroids.groupby("segment_id")["persona_name"].first()
    assert names.is_unique
    built = [n for n in names if n not in catalog.names]
    assert len(built) >= 3 and all("·" in n or n[0].isupper() for n in built)
    assert not any(n.startswith("Mixed Segment") for n in names)


def test_silhouette_scores_equal_sklearns() -> None:
    """The shared-distance pass gives scikit-learn's silhouette_score for every k (up to the
    order of the sums), the same bits on every call, nan where the sample holds one segment."""
    from sklearn.metrics import silhouette_score

    from segmentation.metrics import silhouette_scores

    rng = np.random.default_rng(7)
    X = rng.normal(size=(3_000, 3))
    labels = {k: rng.integers(0, k, len(X)) for k in (2, 3, 6)}
    labels[1] = np.zeros(len(X), dtype=np.int64)
    # Clustered rows too, where silhouettes are far from zero.
    centres = np.array([[0.0, 0.0, 0.0], [6.0, 0.0, 0.0], [0.0, 6.0, 0.0]])
    groups = rng.integers(0, 3, len(X))
    X_grouped = centres[groups] + rng.normal(size=X.shape)

    shared = silhouette_scores(X, labels, 42, 1_000)
    assert shared == silhouette_scores(X, labels, 42, 1_000)
    for k in (2, 3, 6):
        expected = silhouette_score(X, labels[k], sample_size=1_000, random_state=42)
        assert shared[k] == pytest.approx(expected, rel=0, abs=1e-12)
    assert np.isnan(shared[1])
    # All 3,000 rows: more than one block of distances (SILHOUETTE_WORKING_MEMORY_MB).
    whole = silhouette_scores(X, {6: labels[6]}, 42, 3_000)[6]
    assert whole == pytest.approx(silhouette_score(X, labels[6]), rel=0, abs=1e-12)
    grouped = silhouette_scores(X_grouped, {3: groups}, 42, 1_000)[3]
    assert grouped > 0.5
    assert grouped == pytest.approx(
        silhouette_score(X_grouped, groups, sample_size=1_000, random_state=42), rel=0, abs=1e-12
    )


def test_parallel_fits_equal_sequential_fits() -> None:
    """Fitting the k values side by side gives the same centroids, bit for bit."""
    from segmentation.fitting import fit_segments, map_in_parallel

    X = np.random.default_rng(3).normal(size=(2_000, 3))
    ks = [2, 3, 4, 5]
    parallel = map_in_parallel(lambda k: fit_segments(X, k, 42, 4), ks, workers=2)
    sequential = [fit_segments(X, k, 42, 4) for k in ks]
    for ours, alone in zip(parallel, sequential, strict=True):
        assert np.array_equal(ours.centroids, alone.centroids)
        assert np.array_equal(ours.labels, alone.labels)


# --------------------------------------------------------------------------- stability


def test_diagnostics_and_centroids_publish_stability(
    mall: pd.DataFrame, catalog: engine.PersonaCatalog
) -> None:
    """The diagnostics carry each k's ARI and the centroids each segment's Jaccard, the values
    of segmentation/stability.py on the sample's fits, rounded; 0 resamples publish nulls."""
    settings = settings_with(segment_k=5)
    sample, dims = vectorised(mall, INCOME_SPENDING), dims_of(mall, INCOME_SPENDING)
    diagnostics, centroids = engine.segment_base(sample, "mall", settings, dims, catalog)

    X = engine.feature_matrix(engine.prepare_sample(sample), "mall", dims)
    fits = {k: engine.fit_segments(X, k, 42, 10) for k in diagnostics["k"]}
    expected = engine.stability_by_k(X, {k: fit.labels for k, fit in fits.items()}, 42, 10, 5_000)
    published = dict(zip(diagnostics["k"], diagnostics["stability_ari"], strict=True))
    assert published == {k: engine.publish_float(s.ari) for k, s in expected.items()}
    # The five Mall groups come back in every resample; other ks do not.
    assert published[5] > 0.95 and published[5] == max(published.values())

    per_segment = centroids.groupby("segment_id")["segment_stability"]
    assert (per_segment.nunique() == 1).all()  # the same on every dimension row
    assert per_segment.first().tolist() == [
        engine.publish_float(value) for value in expected[5].segment_jaccard
    ]
    assert per_segment.first().min() > 0.9

    off = settings_with(segment_k=5, segment_stability_resamples=0)
    diagnostics, centroids = engine.segment_base(sample, "mall", off, dims, catalog)
    assert diagnostics["stability_ari"].isna().all()
    assert centroids["segment_stability"].isna().all()
    assert diagnostics["silhouette"].notna().all()

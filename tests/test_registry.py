"""The model registry's pure functions: matching segments across refits, stable ids and names,
and registering a version only when the model changed."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from segmentation.registry import (
    REGISTRY_DTYPES,
    RunContext,
    bases_without_model,
    empty_registry,
    match_segments,
    model_fingerprint,
    register_models,
)

#: Two numeric features, (income, score), each standardised with mean 50 / stddev 10.
MEAN, STDDEV = 50.0, 10.0


def context(run_id: str = "run-1", max_distance: float = 1.0) -> RunContext:
    return RunContext(
        run_id=run_id,
        started_at=pd.Timestamp("2026-12-01 10:00:00"),
        settings_json="{}",
        match_max_distance=max_distance,
    )


def dimensions(base: str = "panel") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_base": [base, base],
            "dimension_position": [1, 2],
            "feature_name": ["income", "score"],
            "feature_kind": ["numeric", "numeric"],
            "category_value": [None, None],
            "feature_mean": [MEAN, MEAN],
            "feature_stddev": [STDDEV, STDDEV],
            "encoding_value": [np.nan, np.nan],
        }
    )


def fitted(
    centres: list[tuple[float, float]], names: list[str], base: str = "panel"
) -> pd.DataFrame:
    """A fit's rows (ids 1..k in the given order), centres in raw units."""
    rows = []
    for index, (centre, name) in enumerate(zip(centres, names, strict=True), start=1):
        for position, raw in enumerate(centre, start=1):
            rows.append(
                {
                    "customer_base": base,
                    "segment_id": index,
                    "dimension_position": position,
                    "feature_name": ["income", "score"][position - 1],
                    "feature_kind": "numeric",
                    "category_value": None,
                    "centroid_value": (raw - MEAN) / STDDEV,
                    "centroid_standardised": (raw - MEAN) / STDDEV,
                    "centroid_raw": raw,
                    "persona_name": name,
                    "scaling": "standard",
                    "segment_stability": 0.9,
                }
            )
    return pd.DataFrame(rows)


def register(
    fit: pd.DataFrame, registry: pd.DataFrame, run_id: str = "run-1", max_distance: float = 1.0
) -> pd.DataFrame:
    return register_models(
        fit, dimensions(), registry, {"panel": 500}, context(run_id, max_distance)
    )


def ids_by_name(rows: pd.DataFrame) -> dict[str, int]:
    return dict(rows.drop_duplicates("segment_id")[["persona_name", "segment_id"]].to_numpy())


def test_matching_is_one_to_one_optimal_and_bounded() -> None:
    previous = np.array([[0.0, 0.0], [5.0, 0.0]])
    # The greedy pick for the first new centroid (0.4 from the second) would leave the second
    # new one 5 from the first old one; the optimal assignment costs 0.9 + 0.5 instead.
    fitted_points = np.array([[4.6, 0.0], [0.5, 0.0]])
    assert match_segments(previous, fitted_points, 1.0) == {0: (1, pytest.approx(0.4)), 1: (0, 0.5)}
    # A pair farther apart than the bound is no match.
    assert match_segments(previous, np.array([[9.0, 9.0]]), 1.0) == {}


def test_first_fit_registers_version_one_with_canonical_ids() -> None:
    rows = register(fitted([(30, 20), (70, 80)], ["Thrifty", "Lavish"]), empty_registry())
    assert set(rows["model_version"]) == {1}
    assert ids_by_name(rows) == {"Thrifty": 1, "Lavish": 2}
    assert rows["previous_model_version"].isna().all() and rows["match_distance"].isna().all()
    assert list(rows.columns) == list(REGISTRY_DTYPES)
    assert rows["fitted_run_id"].eq("run-1").all() and rows["training_sample_size"].eq(500).all()


def test_the_same_fit_again_registers_nothing() -> None:
    fit = fitted([(30, 20), (70, 80)], ["Thrifty", "Lavish"])
    registry = register(fit, empty_registry())
    again = register(fit, registry, run_id="run-2")
    assert again.empty and list(again.columns) == list(REGISTRY_DTYPES)


def test_a_refit_keeps_ids_and_names_of_matched_segments_and_numbers_new_ones_after() -> None:
    registry = register(
        fitted([(30, 20), (70, 80), (90, 20)], ["Thrifty", "Lavish", "Careful"]), empty_registry()
    )
    # Canonically renumbered by the new fit (its id 1 is the old Lavish, slightly moved), and
    # named differently by it; Careful has vanished, a far group is new.
    refit = fitted([(71, 79), (31, 21), (10, 95)], ["Spenders", "Savers", "Young Fans"])
    rows = register(refit, registry, run_id="run-2")
    assert set(rows["model_version"]) == {2} and set(rows["previous_model_version"]) == {1}
    assert ids_by_name(rows) == {"Lavish": 2, "Thrifty": 1, "Young Fans": 4}
    assert json.loads(rows["vanished_segment_ids"].iloc[0]) == [3]
    distances = rows.drop_duplicates("segment_id").set_index("segment_id")["match_distance"]
    assert distances[2] == pytest.approx(np.hypot(0.1, 0.1))
    assert np.isnan(distances[4])


def test_a_new_segment_never_reuses_an_id_nor_a_kept_name() -> None:
    registry = register(fitted([(30, 20), (70, 80)], ["Thrifty", "Lavish"]), empty_registry())
    # Version 2 drops Lavish for another group; version 3 brings a group like Lavish back.
    second = register(fitted([(30, 20), (10, 95)], ["Thrifty", "Fans"]), registry, "run-2")
    registry = pd.concat([registry, second], ignore_index=True)
    third = register(fitted([(30, 20), (70, 80)], ["Thrifty", "Thrifty"]), registry, "run-3")
    # Matched against version 2 only: the returning group is new (id 4), and its name, taken
    # by the matched segment, gets its id.
    assert ids_by_name(third) == {"Thrifty": 1, "Thrifty (4)": 4}


def test_the_distance_bound_decides_what_is_the_same_segment() -> None:
    registry = register(fitted([(30, 20), (70, 80)], ["Thrifty", "Lavish"]), empty_registry())
    moved = fitted([(30, 20), (70, 60)], ["Thrifty", "Lavish"])  # 2 standard deviations away
    assert ids_by_name(register(moved, registry, "run-2")) == {"Thrifty": 1, "Lavish": 3}
    kept = register(moved, registry, "run-2", max_distance=2.5)
    assert ids_by_name(kept) == {"Thrifty": 1, "Lavish": 2}


def test_other_features_are_a_new_model_without_matches() -> None:
    registry = register(fitted([(30, 20), (70, 80)], ["Thrifty", "Lavish"]), empty_registry())
    other = fitted([(30, 20), (70, 80)], ["Thrifty", "Lavish"])
    other["feature_name"] = other["feature_name"].replace({"score": "age"})
    rows = register_models(
        other,
        dimensions().replace({"score": "age"}),
        registry,
        {"panel": 500},
        context("run-2"),
    )
    assert sorted(ids_by_name(rows).values()) == [3, 4]
    assert json.loads(rows["vanished_segment_ids"].iloc[0]) == []


def test_the_fingerprint_ignores_provenance_but_not_centroids() -> None:
    rows = register(fitted([(30, 20), (70, 80)], ["Thrifty", "Lavish"]), empty_registry())
    relabelled = rows.assign(fitted_run_id="other", training_sample_size=9)
    assert model_fingerprint(relabelled) == model_fingerprint(rows)
    moved = rows.assign(centroid_value=rows["centroid_value"] + 1e-6)
    assert model_fingerprint(moved) != model_fingerprint(rows)


def test_bases_without_a_model_are_named() -> None:
    registry = register(fitted([(30, 20), (70, 80)], ["Thrifty", "Lavish"]), empty_registry())
    assert bases_without_model(["panel", "web"], registry) == ["web"]

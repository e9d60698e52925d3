"""Tests of the stability measures (segmentation/stability.py), without dbt."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

PROJECT_DIR = Path(__file__).resolve().parents[1]
if str(PROJECT_DIR) not in sys.path:
    sys.path.insert(0, str(PROJECT_DIR))

from segmentation import stability  # noqa: E402
from segmentation.fitting import fit_segments, map_in_parallel  # noqa: E402

SEED = 42
RESAMPLES = 10
#: Five groups in three features, every centre at least 8 standard deviations from the others.
CENTRES = np.array([[0, 0, 0], [8, 0, 0], [0, 8, 0], [8, 8, 0], [4, 4, 8]], dtype=np.float64)


def groups(seed: int, centres: np.ndarray = CENTRES, size: int = 100) -> np.ndarray:
    """Well-separated Gaussian groups (standard deviation 1), ``size`` rows each."""
    rng = np.random.default_rng(seed)
    return np.vstack([rng.normal(centre, 1.0, size=(size, centres.shape[1])) for centre in centres])


def uniform_noise(seed: int, rows: int = 500) -> np.ndarray:
    """Customers without groups: uniform in the unit cube of three features."""
    return np.random.default_rng(seed).uniform(size=(rows, 3))


def stability_of(X: np.ndarray, ks: list[int]) -> dict[int, stability.PartitionStability]:
    """The stability of the project's fit of every k, at the default resamples."""
    labels = {k: fit_segments(X, k, SEED, 10).labels for k in ks}
    return stability.stability_by_k(X, labels, SEED, RESAMPLES, 5_000)


# --------------------------------------------------------------------------- what it tells


@pytest.mark.parametrize("seed", range(5))
def test_well_separated_groups_are_stable(seed: int) -> None:
    result = stability_of(groups(seed), [5])[5]
    assert result.ari > 0.95
    assert result.segment_jaccard.min() > 0.9, result.segment_jaccard


@pytest.mark.parametrize("seed", range(5))
def test_uniform_noise_is_clearly_less_stable(seed: int) -> None:
    """KMeans on noise still returns five segments; resampled, they do not come back whole.

    Not as low as chance: the segments in the cube's corners tend to reappear, so on 40 seeds
    the mean ARI ranged 0.49-0.77 and the mean segment Jaccard 0.56-0.82 (against above 0.99
    for the groups above): below 0.8 and below Hennig's "highly stable" 0.85.
    """
    result = stability_of(uniform_noise(seed), [5])[5]
    assert result.ari < 0.8
    assert result.segment_jaccard.mean() < 0.85, result.segment_jaccard


def test_stability_peaks_at_the_number_of_groups_and_marks_a_split_group() -> None:
    """Four groups: every fit of k=4 comes back; at k=5 one group is cut in two, a cut that
    the resamples do not repeat, so its halves score low while the other segments stay."""
    X = groups(0, CENTRES[:4])
    by_k = stability_of(X, [3, 4, 5, 6])
    assert by_k[4].ari > 0.99
    assert max(by_k[k].ari for k in (3, 5, 6)) < 0.95
    assert by_k[4].segment_jaccard.min() > 0.95
    halves = by_k[5].segment_jaccard
    assert halves.min() < 0.75 and np.sort(halves)[-3:].min() > 0.85, halves


# --------------------------------------------------------------------------- reproducible


def test_results_repeat_and_do_not_depend_on_row_order() -> None:
    X = groups(1)
    labels = {k: fit_segments(X, k, SEED, 10).labels for k in (4, 5)}
    first = stability.stability_by_k(X, labels, SEED, RESAMPLES, 5_000)
    again = stability.stability_by_k(X, labels, SEED, RESAMPLES, 5_000)
    order = np.random.default_rng(3).permutation(len(X))
    shuffled = stability.stability_by_k(
        X[order], {k: own[order] for k, own in labels.items()}, SEED, RESAMPLES, 5_000
    )
    for k in labels:
        for other in (again, shuffled):
            assert other[k].ari == first[k].ari
            assert np.array_equal(other[k].segment_jaccard, first[k].segment_jaccard)
    # A result is not constant: another seed draws other resamples.
    other_seed = stability.stability_by_k(X, labels, SEED + 1, RESAMPLES, 5_000)
    assert other_seed[4].ari != first[4].ari or not np.array_equal(
        other_seed[5].segment_jaccard, first[5].segment_jaccard
    )


def test_parallel_fits_equal_fits_one_after_the_other(monkeypatch: pytest.MonkeyPatch) -> None:
    X = uniform_noise(2, rows=800)  # noise: resample fits differ, so any mix-up would show
    labels = {k: fit_segments(X, k, SEED, 10).labels for k in (3, 5, 7)}
    parallel = stability.stability_by_k(X, labels, SEED, RESAMPLES, 5_000)
    monkeypatch.setattr(
        stability, "map_in_parallel", lambda function, items: map_in_parallel(function, items, 1)
    )
    sequential = stability.stability_by_k(X, labels, SEED, RESAMPLES, 5_000)
    for k in labels:
        assert parallel[k].ari == sequential[k].ari
        assert np.array_equal(parallel[k].segment_jaccard, sequential[k].segment_jaccard)
    # One k alone gets the values it gets among others (the centroids model computes one).
    alone = stability.stability_by_k(X, {5: labels[5]}, SEED, RESAMPLES, 5_000)[5]
    assert alone.ari == parallel[5].ari
    assert np.array_equal(alone.segment_jaccard, parallel[5].segment_jaccard)


# --------------------------------------------------------------------------- pieces


def test_adjusted_rand_equals_scikit_learns_to_the_last_bit() -> None:
    rng = np.random.default_rng(11)
    cases = [
        (rng.integers(0, 4, 300), rng.integers(0, 5, 300)),
        (np.repeat(np.arange(3), 20), np.repeat(np.arange(3), 20)),  # identical: 1
        (np.repeat(np.arange(3), 20), np.tile(np.arange(3), 20)),  # crossed
        (np.zeros(10, dtype=np.int64), np.zeros(10, dtype=np.int64)),  # one cluster each
        (np.zeros(10, dtype=np.int64), np.arange(10)),  # one cluster against singletons
    ]
    labels = rng.integers(0, 6, 2_000)
    noisy = np.where(rng.random(2_000) < 0.2, rng.integers(0, 6, 2_000), labels)
    cases.append((labels, noisy))
    for reference, other in cases:
        k = int(reference.max()) + 1
        ours = stability.adjusted_rand(stability.contingency(reference, other, k))
        assert ours == adjusted_rand_score(reference, other)


def test_best_jaccard_by_hand() -> None:
    reference = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    other = np.array([0, 0, 0, 1, 1, 1, 1, 1])
    # The third segment of a k=3 partition has no drawn row: it counts 0, as in clusterboot.
    table = stability.contingency(reference, other, 3)
    # Segment 0 best matches cluster 0: 3 shared of 4 in the union; segment 1 cluster 1: 4 / 5.
    assert stability.best_jaccard(table).tolist() == [0.75, 0.8, 0.0]


def test_resample_plan_is_seeded_and_capped() -> None:
    subset, plan = stability.resample_plan(10_000, 4, 500, SEED)
    assert len(subset) == 500 and np.array_equal(subset, np.unique(subset))
    assert subset.max() < 10_000
    for resample in plan:
        assert resample.counts.sum() == 500 and (resample.counts >= 1).all()
        assert resample.rows.max() < 500 and np.array_equal(resample.rows, np.unique(resample.rows))
        assert 0.5 < len(resample.rows) / 500 < 0.75  # about 1 - 1/e distinct
    again_subset, again = stability.resample_plan(10_000, 4, 500, SEED)
    assert np.array_equal(again_subset, subset)
    assert all(np.array_equal(a.rows, b.rows) for a, b in zip(again, plan, strict=True))
    assert not np.array_equal(stability.resample_plan(10_000, 4, 500, SEED + 1)[0], subset)
    # A sample below the cap takes part whole.
    whole, _ = stability.resample_plan(300, 1, 500, SEED)
    assert np.array_equal(whole, np.arange(300))
    with pytest.raises(ValueError, match="resamples must be at least 0"):
        stability.resample_plan(300, -1, 500, SEED)
    with pytest.raises(ValueError, match="sample_size must be at least 1"):
        stability.resample_plan(300, 1, 0, SEED)


def test_zero_resamples_give_no_measure() -> None:
    X = groups(0)
    result = stability.stability_by_k(X, {5: fit_segments(X, 5, SEED, 10).labels}, SEED, 0, 500)
    assert math.isnan(result[5].ari)
    assert len(result[5].segment_jaccard) == 5 and np.isnan(result[5].segment_jaccard).all()


def test_a_resample_with_fewer_distinct_points_than_k_is_fitted_with_fewer() -> None:
    X = np.array([[0.0, 0.0], [0.0, 0.0], [1.0, 1.0], [5.0, 5.0]])
    labels = stability.fit_resample_labels(X, np.array([1, 2, 1, 3]), 4, SEED)
    assert labels[0] == labels[1] and len(set(labels.tolist())) == 3

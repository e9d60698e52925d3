"""KMeans proposals settled into canonical, reproducible partitions (see the package docs)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

from segmentation.settings import SegmentSettings
from segmentation.types import FloatArray, IntArray

#: Decimals of the centroid coordinates used for canonical segment numbering.
CANONICAL_DECIMALS = 6
#: Upper bound on the exact Lloyd steps run after sklearn's fit.
SETTLE_MAX_ITER = 300
#: Threads of the native pools (OpenMP, BLAS) during fitting and scoring. One
#: thread keeps floating-point reductions in a fixed order and avoids
#: oversubscription when dbt runs other models on the remaining cores.
COMPUTE_THREADS = 1
#: Candidate k values fitted side by side, one per core (each fit keeps one native thread, so
#: the results are the same, byte for byte, as fitting them one after the other).
FIT_WORKERS = max(1, min(2, os.cpu_count() or 1))

_Item = TypeVar("_Item")
_Result = TypeVar("_Result")


def map_in_parallel(
    function: Callable[[_Item], _Result], items: Sequence[_Item], workers: int = FIT_WORKERS
) -> list[_Result]:
    """``[function(item) for item in items]``, run on up to ``workers`` threads.

    scikit-learn's and numpy's loops release the GIL, so independent fits use the cores in
    parallel. The native pools stay at :data:`COMPUTE_THREADS` for the whole call (the limit
    each fit sets on entry and restores on exit is then the same), so every result is what
    the same call computes alone.
    """
    with threadpool_limits(limits=COMPUTE_THREADS):
        if workers <= 1 or len(items) <= 1:
            return [function(item) for item in items]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(function, items))


def candidate_ks(n_distinct_points: int, settings: SegmentSettings) -> list[int]:
    """k values to diagnose: ``k_min..min(k_max, n_distinct_points - 1)`` plus a fixed k.

    Raises when nothing can be fitted (too few distinct points).
    """
    upper = min(settings.k_max, n_distinct_points - 1)
    ks = list(range(settings.k_min, upper + 1))
    if settings.k is not None:
        if settings.k > n_distinct_points:
            raise ValueError(
                f"segment_k={settings.k} exceeds the {n_distinct_points} distinct points "
                "of the sample"
            )
        if settings.k not in ks:
            ks = sorted([*ks, settings.k])
    if not ks:
        raise ValueError(
            f"the sample has {n_distinct_points} distinct point(s); at least "
            f"{settings.k_min + 1} are needed to diagnose k >= segment_k_min={settings.k_min}"
        )
    return ks


# --------------------------------------------------------------------------
# Geometry and fitting
# --------------------------------------------------------------------------


def squared_distances(X: FloatArray, centroids: FloatArray) -> FloatArray:
    """Exact squared Euclidean distances (n x k), one centroid at a time."""
    out = np.empty((X.shape[0], centroids.shape[0]), dtype=np.float64)
    for j, centre in enumerate(centroids):
        diff = X - centre
        out[:, j] = np.einsum("ij,ij->i", diff, diff)
    return out


def nearest_centroids(
    X: FloatArray, centroids: FloatArray
) -> tuple[IntArray, FloatArray, FloatArray]:
    """Nearest centroid of every row.

    Returns ``(labels, distance_own, distance_next)``: 0-based index of the
    nearest centroid (ties go to the lower index), the Euclidean distance to it
    and to the second-nearest centroid (``nan`` when there is one centroid).
    """
    X = np.asarray(X, dtype=np.float64)
    centroids = np.asarray(centroids, dtype=np.float64)
    if X.ndim != 2 or centroids.ndim != 2 or X.shape[1] != centroids.shape[1]:
        raise ValueError("X and centroids must be 2-D with the same number of columns")
    if centroids.shape[0] == 0:
        raise ValueError("at least one centroid is required")
    d2 = squared_distances(X, centroids)
    labels = np.argmin(d2, axis=1).astype(np.int64)
    rows = np.arange(X.shape[0])
    own = np.sqrt(d2[rows, labels])
    if centroids.shape[0] == 1:
        nxt = np.full(X.shape[0], np.nan)
    else:
        d2[rows, labels] = np.inf
        nxt = np.sqrt(d2.min(axis=1))
    return labels, own, nxt


def canonical_order(centroids: FloatArray) -> IntArray:
    """Permutation that puts centroids in canonical order.

    Rule: sort by the centroid coordinates (in feature order, in the clustering
    space) rounded to :data:`CANONICAL_DECIMALS` decimals, lexicographically
    ascending: first by the first feature, ties by the second, and so on.
    Segment ``i`` (1-based) is the ``i``-th centroid in that order. Remaining
    exact ties fall back to full precision, then to the input position.
    """
    centroids = np.asarray(centroids, dtype=np.float64)
    rounded = np.round(centroids, CANONICAL_DECIMALS) + 0.0
    n_features = centroids.shape[1]
    # np.lexsort uses the last key as the primary one.
    keys = [np.arange(len(centroids))]
    keys += [centroids[:, j] for j in reversed(range(n_features))]
    keys += [rounded[:, j] for j in reversed(range(n_features))]
    return np.lexsort(keys).astype(np.int64)


def _nearest_labels(X: FloatArray, centroids: FloatArray) -> IntArray:
    """The labels of :func:`nearest_centroids` alone (no square roots, no second distance)."""
    return np.argmin(squared_distances(X, centroids), axis=1).astype(np.int64)


def _member_means(X: FloatArray, labels: IntArray, previous: FloatArray) -> FloatArray:
    centroids = previous.copy()
    for j in range(previous.shape[0]):
        members = X[labels == j]
        if len(members):
            centroids[j] = members.mean(axis=0)
    return centroids


def settle_partition(X: FloatArray, centroids: FloatArray) -> tuple[FloatArray, IntArray]:
    """Exact Lloyd steps until the labels are stable.

    The result is a fixed point: every centroid is the mean of its members and
    every row is labelled with its nearest centroid.
    """
    labels = _nearest_labels(X, centroids)
    for _ in range(SETTLE_MAX_ITER):
        centroids = _member_means(X, labels, centroids)
        new_labels = _nearest_labels(X, centroids)
        if np.array_equal(new_labels, labels):
            break
        labels = new_labels
    return centroids, labels


@dataclass(frozen=True)
class SegmentFit:
    """A fitted partition in canonical order (segment id = index + 1)."""

    centroids: FloatArray  # k x n_features, clustering space
    labels: IntArray  # 0-based canonical segment index of every row

    @property
    def k(self) -> int:
        return int(self.centroids.shape[0])


def fit_segments(X: FloatArray, k: int, random_seed: int, n_init: int) -> SegmentFit:
    """KMeans with canonical, partition-only centroids (see module docstring)."""
    X = np.asarray(X, dtype=np.float64)
    model = KMeans(n_clusters=k, n_init=n_init, random_state=random_seed, algorithm="lloyd")
    with threadpool_limits(limits=COMPUTE_THREADS):
        model.fit(X)
    start = np.asarray(model.cluster_centers_, dtype=np.float64)
    # Canonical order before settling so argmin ties do not depend on sklearn's labels.
    start = start[canonical_order(start)]
    # sklearn stops at its tolerance, often many Lloyd steps short of stable labels; its
    # compiled loop takes the best proposal the rest of the way (tol=0: until no label
    # changes), so the exact numpy steps below have one or two steps left, not hundreds.
    polish = KMeans(
        n_clusters=k, init=start, n_init=1, max_iter=SETTLE_MAX_ITER, tol=0.0, algorithm="lloyd"
    )
    with threadpool_limits(limits=COMPUTE_THREADS):
        polish.fit(X)
    centroids, _ = settle_partition(X, np.asarray(polish.cluster_centers_, dtype=np.float64))
    centroids = centroids[canonical_order(centroids)]
    labels, _, _ = nearest_centroids(X, centroids)
    return SegmentFit(centroids=centroids, labels=labels)

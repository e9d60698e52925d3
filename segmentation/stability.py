"""How stable a partition is under resampling: per k and per segment.

A partition found by KMeans may reflect structure in the customers or only the sample it was
fitted on. To tell them apart, the sample is resampled with replacement (the bootstrap) and
KMeans with the same k is fitted on each resample; then, on the distinct customers each
resample drew (the points that resample's fit saw):

* **per k**, the adjusted Rand index (ARI) between the reference partition and the
  resample's, averaged over the resamples: 1 when every resample finds the same partition,
  near 0 when the agreement is what chance gives;
* **per segment**, Hennig's cluster-wise stability: the Jaccard similarity between the
  segment (its members among the drawn customers) and the most similar cluster of the
  resample's fit, averaged over the resamples (0..1). A segment none of whose customers was
  drawn counts 0, as in ``fpc::clusterboot``. Hennig's reading: below 0.6 the segment
  dissolves, 0.6 to 0.75 it shows a pattern, above 0.85 it is highly stable.

Both compare on the drawn customers only, as ``clusterboot`` does by default, rather than on
every customer after assigning the ones left out to the nearest resample centroid: the
resample's partition is judged on the points it was fitted on, the per-k and per-segment
values read the same points, and the segment values stay comparable with Hennig's thresholds.

Cheap on purpose: at most ``sample_size`` customers of the sample take part (a seeded subset;
the reference labels are the whole sample's fit restricted to it), and each resample is fitted
on its distinct customers weighted by how often they were drawn (the same KMeans objective as
fitting the duplicated rows, on about 63% of the rows), with :data:`STABILITY_N_INIT` restarts.
The resamples are fitted by scikit-learn's KMeans directly rather than by
:func:`~segmentation.fitting.fit_segments`, which takes no weights and settles and numbers its
partition canonically: the ARI and Jaccard do not depend on the numbering, and on the
duplicated rows it costs about 1.4 times as much.

Reproducible byte for byte: the rows are put in a canonical order (by their coordinates)
first, the subset and the resamples come from ``numpy.random.RandomState(random_seed)`` (a
frozen stream), the same resamples serve every k, and every fit is seeded with
``random_seed`` and keeps one native thread, so neither the input's row order nor the
scheduling of the fits on :func:`~segmentation.fitting.map_in_parallel` changes a result.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans

from segmentation.fitting import map_in_parallel
from segmentation.types import FloatArray, IntArray

#: KMeans restarts of each resample's fit. Fewer than the reference fit's: a resample only
#: has to find the structure again, and the cost is ``resamples x ks`` fits.
STABILITY_N_INIT = 3


@dataclass(frozen=True)
class PartitionStability:
    """Stability of one partition: mean ARI, and the mean best Jaccard of every segment."""

    ari: float  # nan without resamples
    segment_jaccard: FloatArray  # one value per segment (0-based index); nan without resamples


@dataclass(frozen=True)
class Resample:
    """One bootstrap resample: the distinct drawn rows (of the subset) and how often each was."""

    rows: IntArray
    counts: IntArray


def resample_plan(
    n_rows: int, resamples: int, sample_size: int, random_seed: int
) -> tuple[IntArray, list[Resample]]:
    """The rows taking part (a seeded subset of at most ``sample_size``) and the resamples.

    Row numbers are positions in the subset, whose rows are returned in ascending order.
    Each resample draws as many rows as the subset holds, with replacement.
    """
    if resamples < 0:
        raise ValueError(f"resamples must be at least 0, got {resamples}")
    if sample_size < 1:
        raise ValueError(f"sample_size must be at least 1, got {sample_size}")
    state = np.random.RandomState(random_seed)
    if n_rows > sample_size:
        subset = np.sort(state.choice(n_rows, size=sample_size, replace=False)).astype(np.int64)
    else:
        subset = np.arange(n_rows, dtype=np.int64)
    plan = []
    for _ in range(resamples):
        drawn = state.randint(0, len(subset), size=len(subset))
        counts = np.bincount(drawn, minlength=len(subset))
        rows = np.flatnonzero(counts).astype(np.int64)
        plan.append(Resample(rows=rows, counts=counts[rows].astype(np.int64)))
    return subset, plan


def fit_resample_labels(
    X: FloatArray, weights: IntArray, k: int, random_seed: int, n_init: int = STABILITY_N_INIT
) -> IntArray:
    """KMeans labels of the rows of ``X``, each weighted by how often it was drawn.

    ``k`` is lowered to the number of distinct points when the resample holds fewer. Call it
    with the native pools limited (as :func:`~segmentation.fitting.map_in_parallel` does):
    limiting them here on every fit would take as long as a small fit.
    """
    n_clusters = min(k, int(np.unique(X, axis=0).shape[0]))
    if n_clusters <= 1:
        return np.zeros(len(X), dtype=np.int64)
    model = KMeans(
        n_clusters=n_clusters, n_init=n_init, random_state=random_seed, algorithm="lloyd"
    )
    model.fit(X, sample_weight=weights.astype(np.float64))
    return np.asarray(model.labels_, dtype=np.int64)


def contingency(reference: IntArray, other: IntArray, k: int) -> IntArray:
    """Counts of rows by (reference segment 0..k-1, cluster of ``other``)."""
    n_other = int(other.max()) + 1 if len(other) else 1
    table = np.zeros((k, n_other), dtype=np.int64)
    np.add.at(table, (reference, other), 1)
    return table


def adjusted_rand(table: IntArray) -> float:
    """Adjusted Rand index of the two partitions a contingency table crosses.

    scikit-learn's ``adjusted_rand_score`` to the last bit (the same pair counts in integers,
    the same final formula), without its input checks, which cost more than the arithmetic.
    """
    n_rows = int(table.sum())
    sum_squares = int((table**2).sum())
    same_both = sum_squares - n_rows
    same_reference = int(table.sum(axis=1) @ table.sum(axis=1)) - sum_squares
    same_other = int(table.sum(axis=0) @ table.sum(axis=0)) - sum_squares
    apart_both = n_rows**2 - same_reference - same_other - sum_squares
    # In scikit-learn's names (fp, fn: pairs together in one partition only).
    tp, tn, fp, fn = same_both, apart_both, same_other, same_reference
    if fn == 0 and fp == 0:
        return 1.0
    return 2.0 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn))


def best_jaccard(table: IntArray) -> FloatArray:
    """For each reference segment (row of the contingency table), its highest Jaccard
    similarity with a cluster of the other partition (0 for a segment with no row)."""
    union = table.sum(axis=1, keepdims=True) + table.sum(axis=0, keepdims=True) - table
    jaccard = np.where(union > 0, table / np.maximum(union, 1), 0.0)
    return jaccard.max(axis=1)


def canonical_rows(X: FloatArray) -> IntArray:
    """Row order by coordinates, first column first: the same rows in any order give the same
    sequence of points (rows that tie are identical points, in the same segment of any
    nearest-centroid partition)."""
    return np.lexsort([X[:, j] for j in reversed(range(X.shape[1]))]).astype(np.int64)


def stability_by_k(
    X: FloatArray,
    labels_by_k: Mapping[int, IntArray],
    random_seed: int,
    resamples: int,
    sample_size: int,
) -> dict[int, PartitionStability]:
    """Stability of each reference partition (0-based labels of the rows of ``X``, keyed by
    its k) on the same ``resamples`` bootstrap resamples of at most ``sample_size`` rows.

    Every (k, resample) fit is independent and runs on :func:`map_in_parallel`; the result is
    the same, bit for bit, as running them one after the other. ``resamples=0`` gives nan.
    """
    X = np.asarray(X, dtype=np.float64)
    ks = sorted(labels_by_k)
    if resamples == 0 or len(X) == 0:
        return {
            k: PartitionStability(ari=math.nan, segment_jaccard=np.full(k, math.nan)) for k in ks
        }
    # Canonical order first, so the subset and resamples pick the same customers whatever
    # order the rows came in.
    order = canonical_rows(X)
    X = X[order]
    subset, plan = resample_plan(len(X), resamples, sample_size, random_seed)
    X = X[subset]
    references = {k: np.asarray(labels_by_k[k], dtype=np.int64)[order][subset] for k in ks}

    tasks = [(k, resample) for k in ks for resample in plan]

    def compare(task: tuple[int, Resample]) -> tuple[float, FloatArray]:
        k, resample = task
        labels = fit_resample_labels(X[resample.rows], resample.counts, k, random_seed)
        table = contingency(references[k][resample.rows], labels, k)
        return adjusted_rand(table), best_jaccard(table)

    results = map_in_parallel(compare, tasks)
    out = {}
    for k in ks:
        own = [result for (task_k, _), result in zip(tasks, results, strict=True) if task_k == k]
        out[k] = PartitionStability(
            ari=float(np.mean([ari for ari, _ in own])),
            segment_jaccard=np.mean(np.vstack([jaccard for _, jaccard in own]), axis=0),
        )
    return out

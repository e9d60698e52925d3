"""Partition quality (inertia, silhouette, Calinski-Harabasz, Davies-Bouldin); choosing k."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score
from sklearn.metrics.pairwise import euclidean_distances

from segmentation.fitting import SegmentFit, map_in_parallel, squared_distances
from segmentation.settings import K_RULES
from segmentation.types import FloatArray, IntArray

#: Decimals of every published float.
FLOAT_DECIMALS = 9
#: Memory (MB) of one block of pairwise distances when a silhouette is scored (one block per
#: core at a time); the whole matrix of a 10,000-row sample would take 800 MB.
SILHOUETTE_WORKING_MEMORY_MB = 64


def silhouette_scores(
    X: FloatArray, labels_by_key: Mapping[int, IntArray], random_seed: int, sample_size: int
) -> dict[int, float]:
    """scikit-learn's ``silhouette_score`` of several partitions of the same rows, at once.

    Each value is ``silhouette_score(X, labels, sample_size=min(len(X), sample_size),
    random_state=random_seed)`` (nan where the sample holds one segment, or as many as it has
    rows): the same rows are drawn and the same definition applied, but the sample's pairwise
    distances are computed once for every partition, and each block of them is summed per
    segment of every partition in one matrix product (scikit-learn adds them up one row at a
    time). The sums run in another order, so a value may differ from scikit-learn's in the
    last bits; it is the same on every run. Blocks of rows are scored on both cores.
    """
    n_rows = min(len(X), sample_size)
    indices = np.random.RandomState(random_seed).permutation(len(X))[:n_rows]
    sample = np.asarray(X, dtype=np.float64)[indices]
    scores = {key: math.nan for key in labels_by_key}
    encoded = {}
    offset = 0
    for key, labels in labels_by_key.items():
        classes, codes = np.unique(np.asarray(labels)[indices], return_inverse=True)
        if 1 < len(classes) < n_rows:
            encoded[key] = (offset, codes, np.bincount(codes))
            offset += len(classes)
    if not encoded:
        return scores
    # Every partition's segments side by side as indicator columns: one block of distances
    # times this matrix gives each row's summed distance to every segment of every partition.
    members = np.zeros((n_rows, offset), dtype=np.float64)
    for start, codes, _ in encoded.values():
        members[np.arange(n_rows), start + codes] = 1.0
    block_rows = max(1, SILHOUETTE_WORKING_MEMORY_MB * 2**20 // (8 * n_rows))
    blocks = [(start, min(start + block_rows, n_rows)) for start in range(0, n_rows, block_rows)]

    def score_block(bounds: tuple[int, int]) -> dict[int, tuple[FloatArray, FloatArray]]:
        start, stop = bounds
        distances = euclidean_distances(sample[start:stop], sample)
        rows = np.arange(stop - start)
        distances[rows, start + rows] = 0.0  # a row's distance to itself, exactly
        sums = distances @ members
        out = {}
        for key, (first, codes, freqs) in encoded.items():
            own = codes[start:stop]
            per_segment = sums[:, first : first + len(freqs)]
            intra = per_segment[rows, own]
            means = per_segment / freqs
            means[rows, own] = np.inf
            out[key] = (intra, means.min(axis=1))
        return out

    parts = map_in_parallel(score_block, blocks)
    for key, (_, codes, freqs) in encoded.items():
        intra = np.concatenate([part[key][0] for part in parts])
        inter = np.concatenate([part[key][1] for part in parts])
        with np.errstate(divide="ignore", invalid="ignore"):
            intra /= (freqs - 1).take(codes, mode="clip")
            values = inter - intra
            values /= np.maximum(intra, inter)
        scores[key] = float(np.mean(np.nan_to_num(values)))
    return scores


def partition_metrics(
    X: FloatArray,
    fit: SegmentFit,
    random_seed: int,
    silhouette_sample_size: int,
    silhouette: float | None = None,
) -> dict[str, float]:
    """Inertia, silhouette, Calinski-Harabasz and Davies-Bouldin of a fit (nan if undefined).

    ``silhouette`` is the fit's silhouette when already computed (see
    :func:`silhouette_scores`, which scores several fits in one pass).
    """
    d2 = squared_distances(X, fit.centroids)
    inertia = float(d2[np.arange(len(X)), fit.labels].sum())
    n_labels = len(np.unique(fit.labels))
    metrics = {
        "inertia": inertia,
        "silhouette": math.nan,
        "calinski_harabasz": math.nan,
        "davies_bouldin": math.nan,
    }
    if not 2 <= n_labels <= len(X) - 1:
        return metrics
    if silhouette is None:
        silhouette = silhouette_scores(X, {0: fit.labels}, random_seed, silhouette_sample_size)[0]
    metrics["silhouette"] = silhouette
    metrics["calinski_harabasz"] = float(calinski_harabasz_score(X, fit.labels))
    metrics["davies_bouldin"] = float(davies_bouldin_score(X, fit.labels))
    return metrics


def publish_float(value: float) -> float:
    """Round a published float to :data:`FLOAT_DECIMALS` decimals; ``-0.0`` becomes ``0.0``."""
    if value is None or not math.isfinite(value):
        return math.nan
    return round(float(value), FLOAT_DECIMALS) + 0.0


def choose_k(metric_by_k: Mapping[int, float], rule: str) -> int:
    """k with the best metric under ``rule`` (max silhouette / CH, min DB).

    Values are compared after :func:`publish_float` rounding, so the choice can
    be reproduced from the published diagnostics; ties go to the smaller k and
    undefined (nan) values never win.
    """
    if rule not in K_RULES:
        raise ValueError(f"unknown k rule {rule!r}; allowed: {', '.join(K_RULES)}")
    sign = 1.0 if K_RULES[rule] == "max" else -1.0
    scored = [
        (sign * publish_float(value), k)
        for k, value in metric_by_k.items()
        if math.isfinite(publish_float(value))
    ]
    if not scored:
        raise ValueError(f"no k has a defined {rule} value; cannot choose k")
    best = max(score for score, _ in scored)
    return min(k for score, k in scored if score == best)

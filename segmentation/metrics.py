"""Partition quality (inertia, silhouette, Calinski-Harabasz, Davies-Bouldin); choosing k."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import sklearn
from sklearn.metrics import (
    calinski_harabasz_score,
    davies_bouldin_score,
    pairwise_distances_chunked,
)
from sklearn.metrics.cluster._unsupervised import _silhouette_reduce
from threadpoolctl import threadpool_limits

from segmentation.fitting import COMPUTE_THREADS, SegmentFit, squared_distances
from segmentation.settings import K_RULES
from segmentation.types import FloatArray, IntArray

#: Decimals of every published float.
FLOAT_DECIMALS = 9
#: Memory (MB) scikit-learn may use for one block of pairwise distances when it
#: scores a silhouette; the whole matrix of a 10,000-row sample would take 800 MB.
SILHOUETTE_WORKING_MEMORY_MB = 64


def silhouette_scores(
    X: FloatArray, labels_by_key: Mapping[int, IntArray], random_seed: int, sample_size: int
) -> dict[int, float]:
    """scikit-learn's ``silhouette_score`` of several partitions of the same rows, at once.

    Each value equals ``silhouette_score(X, labels, sample_size=min(len(X), sample_size),
    random_state=random_seed)`` to the last bit (nan where the sample holds one segment, or
    as many as it has rows): the same rows are drawn, and the sample's pairwise distances are
    computed in the same chunks, but once for every partition instead of once for each.
    """
    n_rows = min(len(X), sample_size)
    indices = np.random.RandomState(random_seed).permutation(len(X))[:n_rows]
    sample = np.asarray(X, dtype=np.float64)[indices]
    scores = {key: math.nan for key in labels_by_key}
    encoded = {}
    for key, labels in labels_by_key.items():
        classes, codes = np.unique(np.asarray(labels)[indices], return_inverse=True)
        if 1 < len(classes) < n_rows:
            encoded[key] = (codes, np.bincount(codes))
    if not encoded:
        return scores
    parts: dict[int, tuple[list[FloatArray], list[FloatArray]]] = {k: ([], []) for k in encoded}
    with (
        threadpool_limits(limits=COMPUTE_THREADS),
        sklearn.config_context(working_memory=SILHOUETTE_WORKING_MEMORY_MB),
    ):
        start = 0
        for chunk in pairwise_distances_chunked(sample, metric="euclidean"):
            for key, (codes, freqs) in encoded.items():
                intra, inter = _silhouette_reduce(chunk, start, labels=codes, label_freqs=freqs)
                parts[key][0].append(intra)
                parts[key][1].append(inter)
            start += chunk.shape[0]
    for key, (codes, freqs) in encoded.items():
        intra = np.concatenate(parts[key][0])
        inter = np.concatenate(parts[key][1])
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

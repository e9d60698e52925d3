"""Partition quality (inertia, silhouette, Calinski-Harabasz, Davies-Bouldin); choosing k."""

from __future__ import annotations

import contextlib
import math
from collections.abc import Mapping

import numpy as np
import sklearn
from sklearn.metrics import (
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
)
from threadpoolctl import threadpool_limits

from segmentation.fitting import COMPUTE_THREADS, SegmentFit, squared_distances
from segmentation.settings import K_RULES
from segmentation.types import FloatArray

#: Decimals of every published float.
FLOAT_DECIMALS = 9
#: Memory (MB) scikit-learn may use for one block of pairwise distances when it
#: scores a silhouette; the whole matrix of a 10,000-row sample would take 800 MB.
SILHOUETTE_WORKING_MEMORY_MB = 64


def partition_metrics(
    X: FloatArray, fit: SegmentFit, random_seed: int, silhouette_sample_size: int
) -> dict[str, float]:
    """Inertia, silhouette, Calinski-Harabasz and Davies-Bouldin of a fit (nan if undefined)."""
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
    # A ValueError means the silhouette sample drew a single segment: left undefined.
    with (
        contextlib.suppress(ValueError),
        threadpool_limits(limits=COMPUTE_THREADS),
        sklearn.config_context(working_memory=SILHOUETTE_WORKING_MEMORY_MB),
    ):
        metrics["silhouette"] = float(
            silhouette_score(
                X,
                fit.labels,
                sample_size=min(len(X), silhouette_sample_size),
                random_state=random_seed,
            )
        )
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

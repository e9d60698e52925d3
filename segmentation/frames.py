"""Typed pandas frames of the Python models' outputs, in a fixed row order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

DIAGNOSTICS_DTYPES: Mapping[str, Any] = {
    "customer_base": object,
    "k": np.int64,
    "sample_row_count": np.int64,
    "inertia": np.float64,
    "silhouette": np.float64,
    "calinski_harabasz": np.float64,
    "davies_bouldin": np.float64,
    "stability_ari": np.float64,
    "is_chosen_k": bool,
    "k_rule": object,
}
CENTROIDS_DTYPES: Mapping[str, Any] = {
    "customer_base": object,
    "segment_id": np.int64,
    "dimension_position": np.int64,
    "feature_name": object,
    "feature_kind": object,
    "category_value": object,
    "centroid_value": np.float64,
    "centroid_standardised": np.float64,
    "centroid_raw": np.float64,
    "segment_stability": np.float64,
    "persona_name": object,
    "scaling": object,
}


def _typed_frame(rows: Sequence[Mapping[str, object]], dtypes: Mapping[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(dtypes)).astype(dict(dtypes))


def diagnostics_frame(rows: Sequence[Mapping[str, object]]) -> pd.DataFrame:
    return _typed_frame(rows, DIAGNOSTICS_DTYPES)


def centroids_frame(rows: Sequence[Mapping[str, object]]) -> pd.DataFrame:
    return _typed_frame(rows, CENTROIDS_DTYPES)


def _combine(
    parts: Sequence[pd.DataFrame], dtypes: Mapping[str, Any], order: list[str]
) -> pd.DataFrame:
    if not parts:
        return _typed_frame([], dtypes)
    frame = pd.concat(list(parts), ignore_index=True)[list(dtypes)].astype(dict(dtypes))
    return frame.sort_values(order, kind="mergesort").reset_index(drop=True)


def combine_diagnostics(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate per-base diagnostics in ``(customer_base, k)`` order."""
    return _combine(parts, DIAGNOSTICS_DTYPES, ["customer_base", "k"])


def combine_centroids(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate per-base centroids by ``(customer_base, segment_id, dimension_position)``."""
    return _combine(parts, CENTROIDS_DTYPES, ["customer_base", "segment_id", "dimension_position"])

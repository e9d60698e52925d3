"""KMeans segmentation engine.

Everything the two dbt Python models (``int_segment_diagnostics`` and
``int_segment_centroids``) compute lives here, so that both models run the same
code and can never disagree. All functions except the read-only DuckDB helpers
at the end are pure: they take numpy arrays or pandas frames and return new ones.

Determinism rules
-----------------
* The sample is drawn in DuckDB in a fixed order (``hash(customer_id, seed)``,
  then ``customer_id``) and re-sorted by ``customer_id`` before use, so the
  engine does not depend on the row order it receives.
* sklearn's ``KMeans`` only proposes a partition. The engine then settles it
  with exact Lloyd steps computed in numpy (centroid = mean of its members,
  member = nearest centroid) until the labels stop changing, so the published
  centroids depend on the partition only, not on sklearn's labels, thread
  scheduling or ``random_state``.
* Segments are numbered 1..k by the canonical rule of :func:`canonical_order`.
* All published floats are rounded to :data:`FLOAT_DECIMALS` decimals and
  ``-0.0`` is written as ``0.0``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from segmentation.fitting import (
    CANONICAL_DECIMALS,
    COMPUTE_THREADS,
    SETTLE_MAX_ITER,
    SegmentFit,
    candidate_ks,
    canonical_order,
    fit_segments,
    map_in_parallel,
    nearest_centroids,
    settle_partition,
)
from segmentation.frames import (
    CENTROIDS_DTYPES,
    DIAGNOSTICS_DTYPES,
    centroids_frame,
    combine_centroids,
    combine_diagnostics,
    diagnostics_frame,
)
from segmentation.metrics import (
    FLOAT_DECIMALS,
    SILHOUETTE_WORKING_MEMORY_MB,
    choose_k,
    partition_metrics,
    publish_float,
    silhouette_scores,
)
from segmentation.naming import SegmentName, name_segments
from segmentation.personas import (
    CATALOG_COLUMNS,
    FALLBACK_PERSONA_TEMPLATE,
    PERSONA_WEIGHTS,
    PROFILE_COLUMNS,
    PROTOTYPE_COLUMNS,
    PersonaCatalog,
    assign_personas,
    fallback_persona_name,
    parse_persona_catalog,
    segment_profiles,
)
from segmentation.relations import base_sample, chosen_k_by_base, customer_bases
from segmentation.settings import (
    FIXED_K_RULE,
    K_RULES,
    SCALINGS,
    SETTING_KEYS,
    SegmentSettings,
    parse_settings,
)
from segmentation.space import (
    CATEGORICAL,
    NUMERIC,
    VECTOR_COLUMN,
    Dimension,
    centroid_units,
    count_distinct_points,
    dimensions_for_base,
    feature_matrix,
    prepare_sample,
)
from segmentation.stability import STABILITY_N_INIT, PartitionStability, stability_by_k
from segmentation.types import IntArray

# The engine's public names: the pipeline below and the pieces it is made of.
__all__ = [
    "CANONICAL_DECIMALS",
    "CATALOG_COLUMNS",
    "CATEGORICAL",
    "CENTROIDS_DTYPES",
    "COMPUTE_THREADS",
    "DIAGNOSTICS_DTYPES",
    "FALLBACK_PERSONA_TEMPLATE",
    "FIXED_K_RULE",
    "FLOAT_DECIMALS",
    "K_RULES",
    "NUMERIC",
    "PERSONA_WEIGHTS",
    "PROFILE_COLUMNS",
    "PROTOTYPE_COLUMNS",
    "SCALINGS",
    "SETTING_KEYS",
    "SETTLE_MAX_ITER",
    "SILHOUETTE_WORKING_MEMORY_MB",
    "STABILITY_N_INIT",
    "VECTOR_COLUMN",
    "Dimension",
    "PartitionStability",
    "PersonaCatalog",
    "SegmentFit",
    "SegmentName",
    "SegmentSettings",
    "assign_personas",
    "base_sample",
    "candidate_ks",
    "canonical_order",
    "centroid_units",
    "centroids_for_base",
    "choose_k",
    "chosen_k_by_base",
    "combine_centroids",
    "combine_diagnostics",
    "count_distinct_points",
    "customer_bases",
    "diagnose_base",
    "diagnostics_rows",
    "dimensions_for_base",
    "fallback_persona_name",
    "feature_matrix",
    "fit_segments",
    "map_in_parallel",
    "name_segments",
    "nearest_centroids",
    "parse_persona_catalog",
    "parse_settings",
    "partition_metrics",
    "prepare_sample",
    "publish_float",
    "segment_base",
    "segment_profiles",
    "settle_partition",
    "silhouette_scores",
    "stability_by_k",
]


def diagnostics_rows(n_rows: int, diagnostics_sample_size: int, random_seed: int) -> IntArray:
    """Positions of the rows the k diagnostics fit on: all ``n_rows``, or a seeded subset of
    ``diagnostics_sample_size`` of them in ascending order (the same rows on every run)."""
    if n_rows <= diagnostics_sample_size:
        return np.arange(n_rows, dtype=np.int64)
    state = np.random.RandomState(random_seed)
    return np.sort(state.choice(n_rows, size=diagnostics_sample_size, replace=False)).astype(
        np.int64
    )


def diagnose_base(
    sample: pd.DataFrame,
    customer_base: str,
    settings: SegmentSettings,
    dimensions: Sequence[Dimension],
) -> tuple[pd.DataFrame, dict[int, SegmentFit]]:
    """Fit every candidate k on one base's sample; diagnostics rows and the fits by k.

    The candidates are fitted on at most ``settings.diagnostics_sample_size`` rows of the
    sample (:func:`diagnostics_rows`); the fits returned are of those rows.
    """
    sample = prepare_sample(sample)
    X = feature_matrix(sample, customer_base, dimensions)
    X = X[diagnostics_rows(len(X), settings.diagnostics_sample_size, settings.random_seed)]
    ks = candidate_ks(count_distinct_points(X), settings)

    # The k values are independent: fitted side by side (the results do not depend on it),
    # then scored, the silhouettes of every k from one pass over the sample's distances.
    fits = dict(
        zip(
            ks,
            map_in_parallel(
                lambda k: fit_segments(X, k, settings.random_seed, settings.n_init), ks
            ),
            strict=True,
        )
    )
    silhouettes = silhouette_scores(
        X, {k: fit.labels for k, fit in fits.items()}, settings.random_seed,
        settings.silhouette_sample_size,
    )  # fmt: skip
    metrics = {
        k: partition_metrics(
            X, fits[k], settings.random_seed, settings.silhouette_sample_size, silhouettes[k]
        )
        for k in ks
    }
    # Every k refitted on the same bootstrap resamples (segmentation/stability.py).
    stability = stability_by_k(
        X, {k: fit.labels for k, fit in fits.items()}, settings.random_seed,
        settings.stability_resamples, settings.stability_sample_size,
    )  # fmt: skip
    if settings.k is not None:
        chosen = settings.k
    else:
        chosen = choose_k({k: metrics[k][settings.k_rule] for k in ks}, settings.k_rule)
    rows = [
        {
            "customer_base": customer_base,
            "k": k,
            "sample_row_count": len(X),
            **{name: publish_float(value) for name, value in metrics[k].items()},
            "stability_ari": publish_float(stability[k].ari),
            "is_chosen_k": k == chosen,
            "k_rule": settings.k_rule_label,
        }
        for k in ks
    ]
    return diagnostics_frame(rows), fits


def centroids_for_base(
    sample: pd.DataFrame,
    customer_base: str,
    settings: SegmentSettings,
    k: int,
    dimensions: Sequence[Dimension],
    catalog: PersonaCatalog,
    fit: SegmentFit | None = None,
) -> pd.DataFrame:
    """Centroid rows of one base for the chosen k (refitted unless ``fit`` is given)."""
    sample = prepare_sample(sample)
    X = feature_matrix(sample, customer_base, dimensions)
    if fit is None:
        if k > count_distinct_points(X):
            raise ValueError(
                f"customer_base {customer_base!r}: cannot fit k={k} segments on "
                f"{count_distinct_points(X)} distinct customers"
            )
        fit = fit_segments(X, k, settings.random_seed, settings.n_init)
    labels, _, _ = nearest_centroids(X, fit.centroids)
    # Hennig's cluster-wise stability of each segment, on resamples of this sample (the
    # diagnostics' own when they fitted the whole sample), so the same values whether or not
    # the fit was passed in.
    stability = stability_by_k(
        X, {fit.k: labels}, settings.random_seed, settings.stability_resamples,
        settings.stability_sample_size,
    )[fit.k]  # fmt: skip
    units = [
        [
            centroid_units(float(fit.centroids[index, position]), dimension, settings.scaling)
            for position, dimension in enumerate(dimensions)
        ]
        for index in range(fit.k)
    ]
    # Named on the published (rounded) centroids, so names follow from the published numbers.
    standardised_centroids = np.array(
        [[publish_float(standardised) for standardised, _ in row] for row in units],
        dtype=np.float64,
    ).reshape(fit.k, len(dimensions))
    names = name_segments(
        dimensions,
        standardised_centroids,
        np.bincount(labels, minlength=fit.k),
        segment_profiles(sample, labels, fit.k),
        catalog,
    )
    rows = []
    for index in range(fit.k):
        for position, dimension in enumerate(dimensions, start=1):
            value = float(fit.centroids[index, position - 1])
            standardised, raw = units[index][position - 1]
            rows.append(
                {
                    "customer_base": customer_base,
                    "segment_id": index + 1,
                    "dimension_position": position,
                    "feature_name": dimension.feature_name,
                    "feature_kind": dimension.kind,
                    "category_value": dimension.category_value,
                    "centroid_value": publish_float(value),
                    "centroid_standardised": publish_float(standardised),
                    "centroid_raw": publish_float(raw),
                    "segment_stability": publish_float(stability.segment_jaccard[index]),
                    "persona_name": names[index].name,
                    "scaling": settings.scaling,
                }
            )
    return centroids_frame(rows)


def segment_base(
    sample: pd.DataFrame,
    customer_base: str,
    settings: SegmentSettings,
    dimensions: Sequence[Dimension],
    catalog: PersonaCatalog,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Whole pipeline for one base: ``(diagnostics, centroids)`` of the chosen k, as the two
    dbt models compute them (the chosen k refitted on the whole sample when the diagnostics
    fitted a subset of it)."""
    diagnostics, fits = diagnose_base(sample, customer_base, settings, dimensions)
    chosen = int(diagnostics.loc[diagnostics["is_chosen_k"], "k"].iloc[0])
    whole = len(sample) <= settings.diagnostics_sample_size
    centroids = centroids_for_base(
        sample, customer_base, settings, chosen, dimensions, catalog,
        fit=fits[chosen] if whole else None,
    )  # fmt: skip
    return diagnostics, centroids

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

import contextlib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import sklearn
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.metrics import (
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_score,
)
from threadpoolctl import threadpool_limits

if TYPE_CHECKING:
    import duckdb

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# --------------------------------------------------------------------------
# Constants
# --------------------------------------------------------------------------

#: The column of ``int_customers_featurized`` holding each customer's point in the space its
#: base is segmented in (numeric features, then categorical indicators; see
#: ``int_segment_dimensions``).
VECTOR_COLUMN = "feature_vector"
#: Kinds of dimension.
NUMERIC, CATEGORICAL = "numeric", "categorical"

#: Rule name -> direction of the better value.
K_RULES: Mapping[str, str] = {
    "silhouette": "max",
    "calinski_harabasz": "max",
    "davies_bouldin": "min",
}
SCALINGS: tuple[str, ...] = ("standard", "none")
#: Value of ``k_rule`` in the diagnostics when ``segment_k`` is a fixed integer.
FIXED_K_RULE = "fixed"

#: Decimals of every published float.
FLOAT_DECIMALS = 9
#: Decimals of the centroid coordinates used for canonical segment numbering.
CANONICAL_DECIMALS = 6
#: Upper bound on the exact Lloyd steps run after sklearn's fit.
SETTLE_MAX_ITER = 300
#: Threads of the native pools (OpenMP, BLAS) during fitting and scoring. One
#: thread keeps floating-point reductions in a fixed order and avoids
#: oversubscription when dbt runs other models on the remaining cores.
COMPUTE_THREADS = 1
#: Memory (MB) scikit-learn may use for one block of pairwise distances when it
#: scores a silhouette; the whole matrix of a 10,000-row sample would take 800 MB.
SILHOUETTE_WORKING_MEMORY_MB = 64

#: Sample columns that make up a segment profile for persona matching (always
#: these three, whatever features were clustered) ...
PROFILE_COLUMNS: tuple[str, ...] = ("age_z", "annual_income_usd_z", "spending_score_z")
#: ... the catalog columns they are compared with, in the same order ...
PROTOTYPE_COLUMNS: tuple[str, ...] = (
    "prototype_age_z",
    "prototype_income_z",
    "prototype_spending_z",
)
#: ... and the weights of the squared differences (age 0.5, income 1, spending 1):
#: income and spending describe a persona, age mainly separates personas that
#: share an income/spending pattern (Practical Buyers / Balanced Spenders,
#: Affluent Minimalists / Conservative Earners).
PERSONA_WEIGHTS: tuple[float, ...] = (0.5, 1.0, 1.0)
#: Name of a segment left without a persona (only when k > catalog size).
FALLBACK_PERSONA_TEMPLATE = "Mixed Segment {segment_id}"

CATALOG_COLUMNS: tuple[str, ...] = (
    "persona_id",
    "persona_name",
    "income_level",
    "spending_level",
    "age_level",
    "prototype_income_z",
    "prototype_spending_z",
    "prototype_age_z",
    "description",
    "marketing_channel",
    "product_strategy",
    "engagement_action",
)

# --------------------------------------------------------------------------
# Settings
# --------------------------------------------------------------------------

#: dbt config key -> default used when the value is missing, None or blank.
SETTING_DEFAULTS: Mapping[str, Any] = {
    "segment_k": "auto",
    "segment_k_min": 2,
    "segment_k_max": 10,
    "segment_k_rule": "silhouette",
    "segment_scaling": "standard",
    "random_seed": 42,
    "segment_n_init": 10,
    "segment_sample_size": 100_000,
    "silhouette_sample_size": 10_000,
}
MAX_SEED = 2**32 - 1


@dataclass(frozen=True)
class SegmentSettings:
    """Validated segmentation settings (see :func:`parse_settings`)."""

    k: int | None = None  # None = choose automatically with k_rule
    k_min: int = 2
    k_max: int = 10
    k_rule: str = "silhouette"
    scaling: str = "standard"
    random_seed: int = 42
    n_init: int = 10
    sample_size: int = 100_000
    silhouette_sample_size: int = 10_000

    @property
    def k_rule_label(self) -> str:
        """Value written to ``k_rule``: the rule, or ``'fixed'`` for an integer ``segment_k``."""
        return FIXED_K_RULE if self.k is not None else self.k_rule


def _is_unset(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _parse_int(name: str, value: object, minimum: int, maximum: int | None = None) -> int:
    bound = f"an integer >= {minimum}" + (f" and <= {maximum}" if maximum is not None else "")
    parsed: int | None = None
    if isinstance(value, bool):
        parsed = None
    elif isinstance(value, int):
        parsed = value
    elif isinstance(value, float) and value.is_integer():
        parsed = int(value)
    elif isinstance(value, str):
        try:
            parsed = int(value.strip())
        except ValueError:
            parsed = None
    if parsed is None or parsed < minimum or (maximum is not None and parsed > maximum):
        raise ValueError(f"{name} must be {bound}; got {value!r}")
    return parsed


def _parse_choice(name: str, value: object, allowed: Sequence[str]) -> str:
    text = value.strip().lower() if isinstance(value, str) else value
    if text not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {choices}; got {value!r}")
    return str(text)


def parse_settings(raw: Mapping[str, object]) -> SegmentSettings:
    """Validate the raw dbt config values and apply defaults.

    Values may arrive as native types or as text (``"10"``). ``None`` or an
    empty string means "use the default". The features come from the registry
    through ``int_segment_dimensions``, not from here.
    Raises ``ValueError`` naming the setting and the allowed values.
    """
    unknown = sorted(set(raw) - set(SETTING_DEFAULTS))
    if unknown:
        known = ", ".join(SETTING_DEFAULTS)
        raise ValueError(f"unknown segmentation setting(s) {unknown}; known settings: {known}")
    values = {
        key: (default if _is_unset(raw.get(key)) else raw[key])
        for key, default in SETTING_DEFAULTS.items()
    }

    raw_k = values["segment_k"]
    k: int | None
    if isinstance(raw_k, str) and raw_k.strip().lower() == "auto":
        k = None
    else:
        try:
            k = _parse_int("segment_k", raw_k, minimum=2)
        except ValueError:
            raise ValueError(
                f"segment_k must be 'auto' or an integer >= 2; got {raw_k!r}"
            ) from None

    k_min = _parse_int("segment_k_min", values["segment_k_min"], minimum=2)
    k_max = _parse_int("segment_k_max", values["segment_k_max"], minimum=2)
    if k_max < k_min:
        raise ValueError(
            "segment_k_max must be >= segment_k_min; "
            f"got segment_k_min={k_min}, segment_k_max={k_max}"
        )

    return SegmentSettings(
        k=k,
        k_min=k_min,
        k_max=k_max,
        k_rule=_parse_choice("segment_k_rule", values["segment_k_rule"], tuple(K_RULES)),
        scaling=_parse_choice("segment_scaling", values["segment_scaling"], SCALINGS),
        random_seed=_parse_int("random_seed", values["random_seed"], minimum=0, maximum=MAX_SEED),
        n_init=_parse_int("segment_n_init", values["segment_n_init"], minimum=10),
        sample_size=_parse_int("segment_sample_size", values["segment_sample_size"], minimum=3),
        silhouette_sample_size=_parse_int(
            "silhouette_sample_size", values["silhouette_sample_size"], minimum=2
        ),
    )


# --------------------------------------------------------------------------
# Sample -> feature matrix
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Dimension:
    """One coordinate of the space a base is segmented in (a row of ``int_segment_dimensions``).

    A numeric dimension carries its feature's mean and population standard deviation; a
    categorical one is the indicator of ``category_value``, worth ``encoding_value`` when the
    customer has that value and 0 otherwise.
    """

    feature_name: str
    kind: str = NUMERIC
    category_value: str | None = None
    mean: float = 0.0
    stddev: float = 1.0
    encoding_value: float = 1.0


def dimensions_for_base(dimensions: pd.DataFrame, customer_base: str) -> list[Dimension]:
    """``int_segment_dimensions`` rows of one base, in dimension order."""
    rows = dimensions[dimensions["customer_base"] == customer_base].sort_values(
        "dimension_position", kind="mergesort"
    )
    return [
        Dimension(
            feature_name=str(row.feature_name),
            kind=str(row.feature_kind),
            category_value=None if pd.isna(row.category_value) else str(row.category_value),
            mean=_float_or(row.feature_mean, 0.0),
            stddev=_float_or(row.feature_stddev, 1.0),
            encoding_value=_float_or(row.encoding_value, 1.0),
        )
        for row in rows.itertuples(index=False)
    ]


def _float_or(value: object, default: float) -> float:
    return default if value is None or pd.isna(value) else float(value)  # type: ignore[arg-type]


def sample_columns() -> list[str]:
    """Columns to read from ``int_customers_featurized`` for one base, in a fixed order."""
    return ["customer_base", "customer_id", VECTOR_COLUMN, *PROFILE_COLUMNS]


def prepare_sample(sample: pd.DataFrame) -> pd.DataFrame:
    """Sort a sample by ``customer_id`` so results do not depend on input row order."""
    if sample["customer_id"].duplicated().any():
        raise ValueError("the sample contains duplicate customer_id values")
    return sample.sort_values("customer_id", kind="mergesort").reset_index(drop=True)


def feature_matrix(
    sample: pd.DataFrame, customer_base: str, dimensions: Sequence[Dimension]
) -> FloatArray:
    """The matrix clustered for one base (one row per customer, one column per dimension)."""
    if VECTOR_COLUMN not in sample.columns:
        raise ValueError(f"sample for customer_base {customer_base!r} lacks {VECTOR_COLUMN}")
    if len(sample) == 0:
        return np.empty((0, len(dimensions)), dtype=np.float64)
    vectors = sample[VECTOR_COLUMN].tolist()
    if any(v is None or len(v) != len(dimensions) for v in vectors):
        raise ValueError(
            f"every {VECTOR_COLUMN} of customer_base {customer_base!r} must have "
            f"{len(dimensions)} values (its dimensions)"
        )
    X = np.asarray([np.asarray(v, dtype=np.float64) for v in vectors])
    if not np.isfinite(X).all():
        nulls = int((~np.isfinite(X)).any(axis=1).sum())
        names = sorted(
            {d.feature_name for j, d in enumerate(dimensions) if not np.isfinite(X[:, j]).all()}
        )
        raise ValueError(
            f"{nulls} customer(s) of customer_base {customer_base!r} have no value for "
            f"{', '.join(names)}; the validated layer must exclude them"
        )
    return X


def count_distinct_points(X: FloatArray) -> int:
    """Number of distinct rows of ``X``."""
    if len(X) == 0:
        return 0
    return int(np.unique(X, axis=0).shape[0])


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


def _squared_distances(X: FloatArray, centroids: FloatArray) -> FloatArray:
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
    d2 = _squared_distances(X, centroids)
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
    return np.argmin(_squared_distances(X, centroids), axis=1).astype(np.int64)


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
    centroids, _ = settle_partition(X, start[canonical_order(start)])
    centroids = centroids[canonical_order(centroids)]
    labels, _, _ = nearest_centroids(X, centroids)
    return SegmentFit(centroids=centroids, labels=labels)


def partition_metrics(
    X: FloatArray, fit: SegmentFit, random_seed: int, silhouette_sample_size: int
) -> dict[str, float]:
    """Inertia, silhouette, Calinski-Harabasz and Davies-Bouldin of a fit (nan if undefined)."""
    d2 = _squared_distances(X, fit.centroids)
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


# --------------------------------------------------------------------------
# Personas
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonaCatalog:
    """Persona names with their prototypes (columns in :data:`PROTOTYPE_COLUMNS` order)."""

    names: tuple[str, ...]
    prototypes: FloatArray


def parse_persona_catalog(catalog: pd.DataFrame) -> PersonaCatalog:
    """Validate the ``persona_catalog`` seed; personas ordered by ``persona_id``."""
    missing = [c for c in CATALOG_COLUMNS if c not in catalog.columns]
    if missing:
        raise ValueError(f"persona_catalog lacks columns {missing}")
    if catalog.empty:
        raise ValueError("persona_catalog is empty")
    ordered = catalog.sort_values("persona_id", kind="mergesort")
    names = tuple(str(n) for n in ordered["persona_name"])
    if len(set(names)) != len(names):
        raise ValueError("persona_catalog has duplicate persona_name values")
    prototypes = ordered[list(PROTOTYPE_COLUMNS)].to_numpy(dtype=np.float64)
    if not np.isfinite(prototypes).all():
        raise ValueError("persona_catalog has missing prototype coordinates")
    return PersonaCatalog(names=names, prototypes=prototypes)


def segment_profiles(sample: pd.DataFrame, labels: IntArray, k: int) -> FloatArray:
    """Mean of :data:`PROFILE_COLUMNS` per segment over its sample members (k x 3).

    A profile column that is NULL for the whole base is nan (ignored when matching).
    """
    values = sample[list(PROFILE_COLUMNS)].to_numpy(dtype=np.float64)
    profiles = np.full((k, len(PROFILE_COLUMNS)), np.nan)
    for j in range(k):
        members = values[labels == j]
        for c in range(members.shape[1]):
            column = members[~np.isnan(members[:, c]), c]
            if len(column):
                profiles[j, c] = column.mean()
    return profiles


def fallback_persona_name(segment_id: int) -> str:
    """Name of a segment left without a persona, e.g. ``'Mixed Segment 8'``."""
    return FALLBACK_PERSONA_TEMPLATE.format(segment_id=segment_id)


def assign_personas(profiles: FloatArray, catalog: PersonaCatalog) -> list[str]:
    """One persona per segment by an optimal one-to-one assignment.

    Cost of segment ``i`` / persona ``p`` = sum over the profile dimensions of
    ``PERSONA_WEIGHTS[d] * (profile[i, d] - prototype[p, d]) ** 2``; dimensions
    that are nan for a base are left out. The assignment minimises the total
    cost (``scipy.optimize.linear_sum_assignment``). When there are more
    segments than personas, the segments left unmatched are named
    ``'Mixed Segment <segment_id>'`` (segment ids are 1-based).
    """
    profiles = np.asarray(profiles, dtype=np.float64)
    k = profiles.shape[0]
    names = [fallback_persona_name(i + 1) for i in range(k)]
    usable = ~np.isnan(profiles).any(axis=0)
    if k == 0 or not usable.any():
        return names
    weights = np.asarray(PERSONA_WEIGHTS)[usable]
    diff = profiles[:, None, usable] - catalog.prototypes[None, :, usable]
    cost = (weights * diff**2).sum(axis=2)
    rows, cols = linear_sum_assignment(cost)
    for segment, persona in zip(rows, cols, strict=True):
        names[int(segment)] = catalog.names[int(persona)]
    return names


# --------------------------------------------------------------------------
# Per-base pipeline
# --------------------------------------------------------------------------


def _scale(dimension: Dimension) -> float:
    """Standard deviation used for (un)scaling; 1 for a constant feature, as StandardScaler does."""
    if not math.isfinite(dimension.stddev) or dimension.stddev == 0.0:
        return 1.0
    return dimension.stddev


def centroid_units(value: float, dimension: Dimension, scaling: str) -> tuple[float, float]:
    """A centroid coordinate in the segmentation space as ``(standardised, raw)``.

    Numeric: the z-score and the value in the feature's units. Categorical: the indicator
    mean, and the share of the segment in that category (the indicator mean over its value).
    """
    if dimension.kind == CATEGORICAL:
        return value, value / dimension.encoding_value
    if scaling == "standard":
        return value, value * _scale(dimension) + dimension.mean
    return (value - dimension.mean) / _scale(dimension), value


def diagnose_base(
    sample: pd.DataFrame,
    customer_base: str,
    settings: SegmentSettings,
    dimensions: Sequence[Dimension],
) -> tuple[pd.DataFrame, dict[int, SegmentFit]]:
    """Fit every candidate k on one base's sample; diagnostics rows and the fits by k."""
    sample = prepare_sample(sample)
    X = feature_matrix(sample, customer_base, dimensions)
    ks = candidate_ks(count_distinct_points(X), settings)
    fits: dict[int, SegmentFit] = {}
    metrics: dict[int, dict[str, float]] = {}
    for k in ks:
        fits[k] = fit_segments(X, k, settings.random_seed, settings.n_init)
        metrics[k] = partition_metrics(
            X, fits[k], settings.random_seed, settings.silhouette_sample_size
        )
    if settings.k is not None:
        chosen = settings.k
    else:
        chosen = choose_k({k: metrics[k][settings.k_rule] for k in ks}, settings.k_rule)
    rows = [
        {
            "customer_base": customer_base,
            "k": k,
            "sample_row_count": len(sample),
            **{name: publish_float(value) for name, value in metrics[k].items()},
            "is_chosen_k": k == chosen,
            "k_rule": settings.k_rule_label,
        }
        for k in ks
    ]
    return _diagnostics_frame(rows), fits


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
    personas = assign_personas(segment_profiles(sample, labels, fit.k), catalog)
    rows = []
    for index in range(fit.k):
        for position, dimension in enumerate(dimensions, start=1):
            value = float(fit.centroids[index, position - 1])
            standardised, raw = centroid_units(value, dimension, settings.scaling)
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
                    "persona_name": personas[index],
                    "scaling": settings.scaling,
                }
            )
    return _centroids_frame(rows)


def segment_base(
    sample: pd.DataFrame,
    customer_base: str,
    settings: SegmentSettings,
    dimensions: Sequence[Dimension],
    catalog: PersonaCatalog,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Whole pipeline for one base: ``(diagnostics, centroids)`` of the chosen k."""
    diagnostics, fits = diagnose_base(sample, customer_base, settings, dimensions)
    chosen = int(diagnostics.loc[diagnostics["is_chosen_k"], "k"].iloc[0])
    centroids = centroids_for_base(
        sample, customer_base, settings, chosen, dimensions, catalog, fit=fits[chosen]
    )
    return diagnostics, centroids


DIAGNOSTICS_DTYPES: Mapping[str, Any] = {
    "customer_base": object,
    "k": np.int64,
    "sample_row_count": np.int64,
    "inertia": np.float64,
    "silhouette": np.float64,
    "calinski_harabasz": np.float64,
    "davies_bouldin": np.float64,
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
    "persona_name": object,
    "scaling": object,
}


def _typed_frame(rows: Sequence[Mapping[str, object]], dtypes: Mapping[str, Any]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=list(dtypes)).astype(dict(dtypes))


def _diagnostics_frame(rows: Sequence[Mapping[str, object]]) -> pd.DataFrame:
    return _typed_frame(rows, DIAGNOSTICS_DTYPES)


def _centroids_frame(rows: Sequence[Mapping[str, object]]) -> pd.DataFrame:
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


# --------------------------------------------------------------------------
# DuckDB helpers used by the dbt models (read-only queries)
# --------------------------------------------------------------------------


def customer_bases(featurized: duckdb.DuckDBPyRelation) -> list[str]:
    """Distinct ``customer_base`` values, sorted."""
    rows = featurized.project("customer_base").distinct().order("customer_base").fetchall()
    return [str(row[0]) for row in rows if row[0] is not None]


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sql_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def draw_base_sample(
    featurized: duckdb.DuckDBPyRelation,
    customer_base: str,
    columns: Sequence[str],
    random_seed: int,
    sample_size: int,
) -> pd.DataFrame:
    """Bounded deterministic sample of one base, computed in DuckDB.

    Rows are ordered by ``hash(customer_id, random_seed)`` then ``customer_id``
    and the first ``sample_size`` are fetched, so only the sample ever reaches
    pandas; a base smaller than ``sample_size`` is used whole.
    """
    return (
        featurized.filter(f"customer_base = {_sql_string(customer_base)}")
        .project(", ".join(_sql_identifier(c) for c in columns))
        .order(f"hash(customer_id, {int(random_seed)}::BIGINT), customer_id")
        .limit(int(sample_size))
        .df()
    )


def chosen_k_by_base(diagnostics: duckdb.DuckDBPyRelation) -> dict[str, int]:
    """``{customer_base: k}`` of the rows flagged ``is_chosen_k``."""
    rows = (
        diagnostics.filter("is_chosen_k")
        .project("customer_base, k")
        .order("customer_base")
        .fetchall()
    )
    chosen: dict[str, int] = {}
    for base, k in rows:
        if base in chosen:
            raise ValueError(f"int_segment_diagnostics flags more than one chosen k for {base!r}")
        chosen[str(base)] = int(k)
    return chosen

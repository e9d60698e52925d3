"""The space a base is segmented in: its dimensions (numeric features, then categorical
indicators) and the matrix of a sample's points in it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from segmentation.types import FloatArray

#: The column of ``int_customers_featurized`` holding each customer's point in the space its
#: base is segmented in (numeric features, then categorical indicators; see
#: ``int_segment_dimensions``).
VECTOR_COLUMN = "feature_vector"
#: Kinds of dimension.
NUMERIC, CATEGORICAL = "numeric", "categorical"


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

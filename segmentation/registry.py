"""The model registry: every fitted model kept, and segment identities that survive a refit.

A run in ``refit`` mode hands :func:`register_models` the segments it has just fitted
(numbered ``1..k`` by the canonical rule) and the latest registered model of each base.
Each new segment is matched to one of the previous model's segments by an optimal
one-to-one assignment (the Hungarian method, :func:`scipy.optimize.linear_sum_assignment`)
on the distance between centroids in the previous model's space; a pair farther apart than
``match_max_distance`` is no match. A matched segment keeps the previous id and persona
name; a new one gets the next id never used in the base; a previous segment left without
a match has vanished and is listed in the new version. When the result is the previous
model itself (the same dimensions, scaling, centroids, ids and names) nothing is
registered, so refitting the same data keeps the same model version, ids and marts.

Everything here is pure: pandas frames in, a pandas frame out.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from segmentation.types import FloatArray

#: Columns of the registry (int_segment_model_registry): one row per base, model version,
#: segment and dimension of the segmentation space.
REGISTRY_DTYPES: Mapping[str, Any] = {
    "customer_base": object,
    "model_version": np.int64,
    "segment_id": np.int64,
    "dimension_position": np.int64,
    "feature_name": object,
    "feature_kind": object,
    "category_value": object,
    "persona_name": object,
    "scaling": object,
    "feature_mean": np.float64,
    "feature_stddev": np.float64,
    "encoding_value": np.float64,
    "centroid_value": np.float64,
    "centroid_standardised": np.float64,
    "centroid_raw": np.float64,
    "segment_count": np.int64,
    "training_sample_size": np.int64,
    "previous_model_version": "Int64",
    "match_distance": np.float64,
    "vanished_segment_ids": object,
    "settings_json": object,
    "model_fingerprint": object,
    "fitted_run_id": object,
    "fitted_at": "datetime64[us]",
}
#: The columns of a fitted segment's row (int_segment_centroids) the registry keeps.
FIT_COLUMNS: tuple[str, ...] = (
    "customer_base",
    "segment_id",
    "dimension_position",
    "feature_name",
    "feature_kind",
    "category_value",
    "centroid_value",
    "centroid_standardised",
    "centroid_raw",
    "persona_name",
    "scaling",
)
#: The columns of a dimension (int_segment_dimensions) the registry keeps: how a customer's
#: values become its point, frozen with the model.
DIMENSION_COLUMNS: tuple[str, ...] = (
    "customer_base",
    "dimension_position",
    "feature_name",
    "feature_kind",
    "category_value",
    "feature_mean",
    "feature_stddev",
    "encoding_value",
)
#: Decimals of the coordinates compared when matching and fingerprinting.
MATCH_DECIMALS = 9


@dataclass(frozen=True)
class RunContext:
    """The build that registers models."""

    run_id: str
    started_at: pd.Timestamp
    settings_json: str
    match_max_distance: float


def empty_registry() -> pd.DataFrame:
    return pd.DataFrame(
        {column: pd.Series(dtype=dtype) for column, dtype in REGISTRY_DTYPES.items()}
    )


def latest_models(registry: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """``{customer_base: rows of its latest model version}``."""
    latest: dict[str, pd.DataFrame] = {}
    for base, rows in registry.groupby("customer_base", sort=True):
        version = rows["model_version"].max()
        latest[str(base)] = rows[rows["model_version"] == version].reset_index(drop=True)
    return latest


def _dimension_key(row: Mapping[str, Any]) -> tuple[str, str, str | None]:
    category = row["category_value"]
    return (
        str(row["feature_name"]),
        str(row["feature_kind"]),
        None
        if category is None or (isinstance(category, float) and np.isnan(category))
        else str(category),
    )


def _numeric_features(rows: pd.DataFrame) -> list[str]:
    return sorted(set(rows.loc[rows["feature_kind"] == "numeric", "feature_name"].astype(str)))


def _categorical_features(rows: pd.DataFrame) -> list[str]:
    return sorted(set(rows.loc[rows["feature_kind"] == "categorical", "feature_name"].astype(str)))


def comparable(previous: pd.DataFrame, fitted: pd.DataFrame) -> bool:
    """Whether two models segment on the same features (their categories may differ)."""
    return _numeric_features(previous) == _numeric_features(fitted) and _categorical_features(
        previous
    ) == _categorical_features(fitted)


def centroids_in_space(rows: pd.DataFrame, space: pd.DataFrame) -> tuple[list[int], FloatArray]:
    """The segments of ``rows`` (a model's rows, with dimensions) as points in the space of
    the model ``space``: each numeric centroid, in raw units, standardised with that model's
    mean and standard deviation (kept raw when it was not scaled); each category indicator
    as its centroid value, 0 for a category the model ``space`` does not have."""
    space_dimensions = (
        space.drop_duplicates("dimension_position")
        .sort_values("dimension_position")
        .to_dict("records")
    )
    position = {_dimension_key(row): index for index, row in enumerate(space_dimensions)}
    segment_ids = sorted(int(value) for value in rows["segment_id"].unique())
    points = np.zeros((len(segment_ids), len(space_dimensions)), dtype=np.float64)
    for row in rows.to_dict("records"):
        key = _dimension_key(row)
        if key not in position:
            continue
        column = position[key]
        target = space_dimensions[column]
        if row["feature_kind"] == "numeric":
            value = float(row["centroid_raw"])
            if target["scaling"] == "standard":
                stddev = float(target["feature_stddev"])
                value = 0.0 if stddev == 0 else (value - float(target["feature_mean"])) / stddev
        else:
            value = float(row["centroid_value"])
        points[segment_ids.index(int(row["segment_id"])), column] = value
    return segment_ids, np.round(points, MATCH_DECIMALS)


def match_segments(
    previous: FloatArray, fitted: FloatArray, max_distance: float
) -> dict[int, tuple[int, float]]:
    """``{fitted index: (previous index, distance)}``: the one-to-one assignment of fitted to
    previous centroids with the least total distance, keeping the pairs at most
    ``max_distance`` apart."""
    if len(previous) == 0 or len(fitted) == 0:
        return {}
    distances = np.sqrt(((fitted[:, None, :] - previous[None, :, :]) ** 2).sum(axis=2))
    rows, columns = linear_sum_assignment(distances)
    return {
        int(row): (int(column), float(distances[row, column]))
        for row, column in zip(rows, columns, strict=True)
        if distances[row, column] <= max_distance
    }


def model_fingerprint(rows: pd.DataFrame) -> str:
    """A digest of what a model assigns by: its dimensions, scaling, segment ids, persona
    names and centroids (not when or by which run it was fitted)."""
    columns = [
        "segment_id",
        "dimension_position",
        "feature_name",
        "feature_kind",
        "category_value",
        "persona_name",
        "scaling",
        "feature_mean",
        "feature_stddev",
        "encoding_value",
        "centroid_value",
    ]
    ordered = rows.sort_values(["segment_id", "dimension_position"], kind="mergesort")
    records = []
    for record in ordered[columns].to_dict("records"):
        records.append(
            [
                round(value, MATCH_DECIMALS)
                if isinstance(value, float) and not np.isnan(value)
                else (None if isinstance(value, float) else value)
                for value in record.values()
            ]
        )
    text = json.dumps(records, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _with_dimensions(fitted: pd.DataFrame, dimensions: pd.DataFrame) -> pd.DataFrame:
    frozen = dimensions[["dimension_position", "feature_mean", "feature_stddev", "encoding_value"]]
    return fitted.merge(frozen, on="dimension_position", how="left", validate="many_to_one")


def register_base(
    customer_base: str,
    fitted: pd.DataFrame,
    dimensions: pd.DataFrame,
    previous: pd.DataFrame | None,
    highest_segment_id: int,
    training_sample_size: int,
    context: RunContext,
) -> pd.DataFrame:
    """The rows of the new model version of one base, or no rows when the fit is the
    previous model itself.

    ``fitted`` holds the base's fitted segments (ids ``1..k``), ``dimensions`` its space,
    ``previous`` the rows of its latest registered version (None for a base never fitted)
    and ``highest_segment_id`` the highest id the base has ever used.
    """
    model = _with_dimensions(fitted[list(FIT_COLUMNS)].copy(), dimensions)
    fitted_ids = sorted(int(value) for value in model["segment_id"].unique())
    new_ids: dict[int, int] = {}
    distances: dict[int, float] = {}
    kept_names: dict[int, str] = {}
    vanished: list[int] = []
    if previous is not None and comparable(previous, model):
        previous_ids, previous_points = centroids_in_space(previous, previous)
        _, fitted_points = centroids_in_space(model, previous)
        matches = match_segments(previous_points, fitted_points, context.match_max_distance)
        previous_names = previous.drop_duplicates("segment_id").set_index("segment_id")[
            "persona_name"
        ]
        for index, (previous_index, distance) in matches.items():
            previous_id = previous_ids[previous_index]
            new_ids[fitted_ids[index]] = previous_id
            distances[fitted_ids[index]] = distance
            kept_names[fitted_ids[index]] = str(previous_names[previous_id])
        matched = {previous_ids[previous_index] for previous_index, _ in matches.values()}
        vanished = [segment_id for segment_id in previous_ids if segment_id not in matched]
    next_id = highest_segment_id
    for segment_id in fitted_ids:
        if segment_id not in new_ids:
            next_id += 1
            new_ids[segment_id] = next_id

    # Matched segments keep their names; a new segment whose name is taken gets its id added.
    taken = set(kept_names.values())
    names = {}
    for segment_id in fitted_ids:
        if segment_id in kept_names:
            names[segment_id] = kept_names[segment_id]
            continue
        name = str(model.loc[model["segment_id"] == segment_id, "persona_name"].iloc[0])
        names[segment_id] = f"{name} ({new_ids[segment_id]})" if name in taken else name
        taken.add(names[segment_id])
    model["persona_name"] = model["segment_id"].map(names)
    model["match_distance"] = model["segment_id"].map(
        lambda segment: distances.get(segment, np.nan)
    )
    model["segment_id"] = model["segment_id"].map(new_ids)

    fingerprint = model_fingerprint(model)
    if previous is not None and fingerprint == str(previous["model_fingerprint"].iloc[0]):
        return empty_registry()
    previous_version = None if previous is None else int(previous["model_version"].iloc[0])
    model["customer_base"] = customer_base
    model["model_version"] = 1 if previous_version is None else previous_version + 1
    model["segment_count"] = len(fitted_ids)
    model["training_sample_size"] = training_sample_size
    model["previous_model_version"] = previous_version
    model["vanished_segment_ids"] = json.dumps(vanished)
    model["settings_json"] = context.settings_json
    model["model_fingerprint"] = fingerprint
    model["fitted_run_id"] = context.run_id
    model["fitted_at"] = context.started_at
    return typed_registry(model)


def typed_registry(rows: pd.DataFrame) -> pd.DataFrame:
    frame = rows[list(REGISTRY_DTYPES)].astype(dict(REGISTRY_DTYPES))
    return frame.sort_values(
        ["customer_base", "model_version", "segment_id", "dimension_position"], kind="mergesort"
    ).reset_index(drop=True)


def register_models(
    fitted: pd.DataFrame,
    dimensions: pd.DataFrame,
    registry: pd.DataFrame,
    training_sample_sizes: Mapping[str, int],
    context: RunContext,
) -> pd.DataFrame:
    """The registry rows this run adds: a new version for each base whose fit is not its
    latest registered model, nothing for the others."""
    latest = latest_models(registry)
    parts: list[pd.DataFrame] = []
    for base in sorted(str(value) for value in fitted["customer_base"].unique()):
        history = registry[registry["customer_base"] == base]
        highest = int(history["segment_id"].max()) if len(history) else 0
        parts.append(
            register_base(
                base,
                fitted[fitted["customer_base"] == base],
                dimensions[dimensions["customer_base"] == base],
                latest.get(base),
                highest,
                int(training_sample_sizes[base]),
                context,
            )
        )
    new_rows = [part for part in parts if len(part)]
    if not new_rows:
        return empty_registry()
    return typed_registry(pd.concat(new_rows, ignore_index=True))


def bases_without_model(bases: Sequence[str], registry: pd.DataFrame) -> list[str]:
    """The bases that have no registered model (what score mode refuses)."""
    registered = set(registry["customer_base"].astype(str))
    return [base for base in bases if base not in registered]

"""Persona matching: each segment gets one persona of the catalog by an optimal assignment."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import linear_sum_assignment

from segmentation.types import FloatArray, IntArray

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
#: The catalog columns holding each persona's levels (``low``, ``mid``, ``high``), in
#: :data:`PROFILE_COLUMNS` order.
LEVEL_COLUMNS: tuple[str, ...] = ("age_level", "income_level", "spending_level")
#: The catalog applies to a base only when these are among its numeric features: its personas
#: are positions in income x spending.
CATALOG_FEATURES: tuple[str, ...] = ("annual_income_usd", "spending_score")
#: A matched persona holds when the segment's profile is within this weighted Euclidean
#: distance of the persona's prototype (``sqrt(sum PERSONA_WEIGHTS[d] * diff_d ** 2)`` in the
#: catalog's z-space, over the dimensions the base knows) ...
PERSONA_MAX_DISTANCE = 1.0
#: ... and no profile dimension contradicts the persona's level: each level is a band of z
#: (``high`` >= 0.5, ``low`` <= -0.5, ``mid`` in between) and a segment contradicts it when its
#: mean z lies more than this far outside the band (so ``high`` is contradicted below z 0,
#: ``low`` above z 0, ``mid`` beyond |z| 1).
LEVEL_BANDS: dict[str, tuple[float, float]] = {
    "low": (-np.inf, -0.5),
    "mid": (-0.5, 0.5),
    "high": (0.5, np.inf),
}
LEVEL_TOLERANCE = 0.5

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


@dataclass(frozen=True)
class PersonaCatalog:
    """Persona names with their prototypes (columns in :data:`PROTOTYPE_COLUMNS` order)."""

    names: tuple[str, ...]
    prototypes: FloatArray
    #: Each persona's levels in :data:`PROFILE_COLUMNS` order (empty: levels not checked).
    levels: tuple[tuple[str, ...], ...] = ()


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
    levels = tuple(
        tuple(str(value).strip().lower() for value in row)
        for row in ordered[list(LEVEL_COLUMNS)].itertuples(index=False)
    )
    unknown = sorted({level for row in levels for level in row} - set(LEVEL_BANDS))
    if unknown:
        raise ValueError(f"persona_catalog has unknown levels {unknown}; allowed: low, mid, high")
    return PersonaCatalog(names=names, prototypes=prototypes, levels=levels)


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


def persona_distance(profile: FloatArray, prototype: FloatArray) -> float:
    """Weighted Euclidean distance of a segment profile from a persona prototype.

    ``sqrt(sum PERSONA_WEIGHTS[d] * (profile[d] - prototype[d]) ** 2)`` over the dimensions
    the profile knows (nan dimensions are left out); nan when it knows none.
    """
    profile = np.asarray(profile, dtype=np.float64)
    known = ~np.isnan(profile)
    if not known.any():
        return float("nan")
    weights = np.asarray(PERSONA_WEIGHTS)[known]
    diff = profile[known] - np.asarray(prototype, dtype=np.float64)[known]
    return float(np.sqrt((weights * diff**2).sum()))


def contradicts_level(z: float, level: str) -> bool:
    """Whether a mean z contradicts a catalog level (more than LEVEL_TOLERANCE outside its band)."""
    if np.isnan(z):
        return False
    low, high = LEVEL_BANDS[level]
    return bool(z < low - LEVEL_TOLERANCE or z > high + LEVEL_TOLERANCE)


def persona_holds(profile: FloatArray, catalog: PersonaCatalog, persona: str) -> bool:
    """Whether ``persona`` describes a segment of this ``profile`` (PROFILE_COLUMNS order).

    It holds when the profile is within :data:`PERSONA_MAX_DISTANCE` of the persona's
    prototype and no known dimension contradicts the persona's level.
    """
    if persona not in catalog.names:
        return False
    index = catalog.names.index(persona)
    distance = persona_distance(profile, catalog.prototypes[index])
    if np.isnan(distance) or distance > PERSONA_MAX_DISTANCE:
        return False
    levels = catalog.levels[index] if catalog.levels else ()
    return not any(
        contradicts_level(float(z), level) for z, level in zip(profile, levels, strict=False)
    )

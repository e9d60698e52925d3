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

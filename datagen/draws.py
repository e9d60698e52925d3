"""Distributions and seeded draws that the data shapes share."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Spread(NamedTuple):
    """A truncated normal distribution: mean, standard deviation and bounds."""

    mean: float
    sd: float
    lo: float
    hi: float


class Skewed(NamedTuple):
    """A right-skewed distribution: ``lo`` plus a gamma variate, truncated at ``hi``."""

    lo: float
    mean: float
    hi: float
    shape: float


def truncated_normal(
    rng: np.random.Generator,
    mean: np.ndarray,
    sd: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
) -> np.ndarray:
    """Draw one value per row from N(mean, sd) truncated to [lo, hi] by rejection."""
    mean, sd, lo, hi = (np.asarray(a, dtype=float) for a in (mean, sd, lo, hi))
    x = rng.normal(mean, sd)
    bad = np.flatnonzero((x < lo) | (x > hi))
    while bad.size:
        x[bad] = rng.normal(mean[bad], sd[bad])
        bad = bad[(x[bad] < lo[bad]) | (x[bad] > hi[bad])]
    return x


def draw(rng: np.random.Generator, spec: Spread | Skewed, n: int) -> np.ndarray:
    """``n`` continuous draws from a truncated normal or a truncated shifted gamma."""
    if isinstance(spec, Skewed):
        scale = (spec.mean - spec.lo) / spec.shape
        x = spec.lo + rng.gamma(spec.shape, scale, n)
        bad = np.flatnonzero(x > spec.hi)
        while bad.size:
            x[bad] = spec.lo + rng.gamma(spec.shape, scale, bad.size)
            bad = bad[x[bad] > spec.hi]
        return x
    return truncated_normal(rng, *(np.full(n, v, dtype=float) for v in spec))


def categorical(
    rng: np.random.Generator, probs: np.ndarray, rows: np.ndarray | None = None
) -> np.ndarray:
    """One category index per row of a (rows x categories) probability matrix.

    With ``rows``, draw once per entry of ``rows`` from ``probs[rows]``.
    """
    cum = np.cumsum(probs, axis=1)
    if rows is not None:
        cum = cum[rows]
    u = rng.random(cum.shape[0]) * cum[:, -1]
    return (u[:, None] >= cum[:, :-1]).sum(axis=1)


def days_between(a: np.datetime64, b: np.datetime64) -> int:
    """Whole days from ``a`` to ``b``."""
    return int((b - a).astype(np.int64))

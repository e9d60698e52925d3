"""``mall_customers.csv``: the 200-row mall file and the groups it is drawn from.

Layout of the public Kaggle "Mall Customer Segmentation Data" file: 200 rows,
CRLF line endings, no newline after the last row, zero-padded IDs, rows ordered
by annual income (the file is written by :func:`datagen.writers.write_mall_csv`).
Five income x spending groups (81 / 39 / 35 / 23 / 22 rows); the 81-row middle
group is itself an older and a younger age group.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd

from datagen import streams
from datagen.draws import Skewed, Spread, draw

MALL_HEADER = "CustomerID,Genre,Age,Annual Income (k$),Spending Score (1-100)"
# The public file has 112 women and 88 men ("Genre" is its column name).
MALL_FEMALE = 112
MALL_MALE = 88
# Observed ranges of the public file; both ends of each range occur.
MALL_AGE_RANGE = (18, 70)
MALL_INCOME_RANGE = (15, 137)
MALL_SCORE_RANGE = (1, 99)
# A point must be this much closer (k$ / score points) to its own group centre
# than to any other centre, so that k-means recovers the groups exactly.
MALL_VORONOI_MARGIN = 7.0
MAX_REDRAWS = 1000


class MallGroup(NamedTuple):
    """One income x spending group of the mall file (age may split it further)."""

    name: str
    size: int
    centre: tuple[float, float]
    income: Spread | Skewed
    score: Spread
    age: Spread


# Sizes and centres of the public file's five income x spending clusters
# (81 / 39 / 35 / 23 / 22 rows) and their spreads: the middle group spans about
# 40-70 k$ and scores 35-61, the corner groups about +-12 k$ and +-12-15 points.
# The 81-row middle group holds about 45 older (45-70) and 36 younger (18-35)
# customers; the other groups' ages follow the public clusters too. High
# incomes thin out towards 137 k$ as in the public file; the 137 k$ row is pinned.
MALL_GROUPS: tuple[MallGroup, ...] = (
    MallGroup(
        "average_older",
        45,
        (55, 50),
        Spread(55, 6, 40, 70),
        Spread(50, 5.5, 35, 61),
        Spread(56, 6.5, 45, 70),
    ),
    MallGroup(
        "average_younger",
        36,
        (55, 50),
        Spread(55, 6, 40, 70),
        Spread(50, 5.5, 35, 61),
        Spread(27, 4.5, 18, 35),
    ),
    MallGroup(
        "rich_spenders",
        39,
        (87, 82),
        Skewed(69, 87, 125, 4.0),
        Spread(82, 8, 63, 97),
        Spread(33, 3.5, 27, 40),
    ),
    MallGroup(
        "rich_savers",
        35,
        (88, 17),
        Skewed(70, 88, 125, 4.0),
        Spread(17, 9, 1, 39),
        Spread(41, 7.5, 19, 59),
    ),
    MallGroup(
        "poor_savers",
        23,
        (26, 21),
        Spread(26, 7, 15, 39),
        Spread(21, 10, 3, 40),
        Spread(45, 9, 19, 67),
    ),
    MallGroup(
        "poor_spenders",
        22,
        (26, 79),
        Spread(26, 7, 15, 39),
        Spread(79, 10, 61, 99),
        Spread(25, 4.5, 18, 35),
    ),
)


def _mall_points(
    rng: np.random.Generator, group: MallGroup, centres: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Integer (income, score) points of ``group`` centred on its centre.

    Draws are shifted so the group mean is the published centre, then any point
    that is not ``MALL_VORONOI_MARGIN`` closer to its own centre than to every
    other centre is redrawn, so k-means recovers the groups exactly.
    """
    own = np.asarray(group.centre, dtype=float)
    others = centres[np.any(centres != own, axis=1)]
    raw = np.column_stack([draw(rng, group.income, group.size), draw(rng, group.score, group.size)])
    lo = np.array([group.income.lo, group.score.lo])
    hi = np.array([group.income.hi, group.score.hi])
    for _ in range(MAX_REDRAWS):
        pts = np.clip(np.rint(raw - raw.mean(axis=0) + own), lo, hi)
        d_own = np.linalg.norm(pts - own, axis=1)
        d_other = np.linalg.norm(pts[:, None, :] - others[None, :, :], axis=2).min(axis=1)
        bad = np.flatnonzero(d_other - d_own < MALL_VORONOI_MARGIN)
        if not bad.size:
            return pts[:, 0].astype(np.int64), pts[:, 1].astype(np.int64)
        raw[bad, 0] = draw(rng, group.income, bad.size)
        raw[bad, 1] = draw(rng, group.score, bad.size)
    raise RuntimeError(f"mall group {group.name!r} does not fit its k-means cell")


def mall_customers(seed: int = streams.DEFAULT_SEED) -> pd.DataFrame:
    """Build the 200-row mall file (Kaggle "Mall Customer Segmentation Data" layout).

    Args:
        seed: Root seed; the mall file uses stream ``MALL_STREAM`` of it.

    Returns:
        DataFrame with the public file's columns, ordered by ascending income, with
        zero-padded string IDs ``0001`` .. ``0200``.
    """
    rng = streams.rng(seed, streams.MALL_STREAM)
    centres = np.unique(np.array([g.centre for g in MALL_GROUPS], dtype=float), axis=0)
    frames = []
    for gi, group in enumerate(MALL_GROUPS):
        income, score = _mall_points(rng, group, centres)
        age = np.rint(draw(rng, group.age, group.size)).astype(np.int64)
        frames.append(pd.DataFrame({"group": gi, "income": income, "score": score, "age": age}))
    df = pd.concat(frames, ignore_index=True)

    def pick(name: str, column: str, lowest: bool) -> int:
        rows = df.index[df["group"] == [g.name for g in MALL_GROUPS].index(name)]
        values = df.loc[rows, column]
        return int(values.idxmin() if lowest else values.idxmax())

    # Pin the extremes of the public file's ranges.
    df.loc[pick("poor_savers", "income", True), "income"] = MALL_INCOME_RANGE[0]
    df.loc[pick("poor_spenders", "income", True), "income"] = MALL_INCOME_RANGE[0]
    df.loc[pick("rich_spenders", "income", False), "income"] = MALL_INCOME_RANGE[1]
    df.loc[pick("rich_savers", "score", True), "score"] = MALL_SCORE_RANGE[0]
    df.loc[pick("poor_spenders", "score", False), "score"] = MALL_SCORE_RANGE[1]
    df.loc[pick("poor_spenders", "age", True), "age"] = MALL_AGE_RANGE[0]
    df.loc[pick("average_older", "age", False), "age"] = MALL_AGE_RANGE[1]

    genre = np.array(["Female"] * MALL_FEMALE + ["Male"] * MALL_MALE)[rng.permutation(len(df))]
    df["genre"] = genre
    df = df.iloc[rng.permutation(len(df))].sort_values("income", kind="stable")
    n = len(df)
    return pd.DataFrame(
        {
            "CustomerID": [f"{i:04d}" for i in range(1, n + 1)],
            "Genre": df["genre"].to_numpy(),
            "Age": df["age"].to_numpy(dtype=np.int64),
            "Annual Income (k$)": df["income"].to_numpy(dtype=np.int64),
            "Spending Score (1-100)": df["score"].to_numpy(dtype=np.int64),
        }
    )

"""Seeded, deterministic demo and load-test data for the customer segmentation project.

Datasets
--------
``mall_customers.csv``
    Layout of the public Kaggle "Mall Customer Segmentation Data" file: 200 rows,
    CRLF line endings, no newline after the last row, zero-padded IDs, rows ordered
    by annual income. Five income x spending groups (81 / 39 / 35 / 23 / 22 rows);
    the 81-row middle group is itself an older and a younger age group.
``shop_customers.csv``
    Layout of the public Kaggle "Customers Dataset" (2000 rows, LF). Unlike the
    public file, which is uniform noise, the rows come from five customer segments
    that differ in age, income and spending (see ``SHOP_SEGMENTS``). The data-entry
    quirks of the public file are reproduced with exact counts per 2000 rows:

    ======================================  =====
    quirk                                   rows
    ======================================  =====
    empty Profession                           35
    Age 0                                      24
    Age 1-17 (so 330 rows under 18)           306
    Annual Income 0 (otherwise plausible)       2
    Spending Score 0 (otherwise plausible)      2
    Work Experience > Age, minors              74
    Work Experience > Age, adults 18-20         6
    ======================================  =====

    Every other row is plausible: Age 18-99, income > 0, score 1-100,
    Work Experience <= Age - 16, Family Size 1-9.
``orders.csv``
    Order lines of the shop customers, 2024-01-01 to 2025-12-31. Frequency grows
    with the spending score, amounts with income, channel and category mix follow
    age and affluence; some customers churn during 2024, about 5% never order.
    Dirty lines, exact counts per 2000 customers:

    ======================================  =====
    dirty lines                             lines
    ======================================  =====
    unknown customer_id (9001-9999)            40
    negative amount_usd (returns)              60
    amount_usd 0.00                            10
    order_date in 2027                         25
    exact duplicate of another line            50
    unparseable order_date                      5
    unparseable amount_usd                      5
    ======================================  =====

    Unknown customers get IDs from ``n + 7001`` to ``n + 7999`` for ``n``
    customers; unparseable values are dates such as ``2025-13-45`` and amounts
    ``n/a`` or ``#VALUE!``; all lines come in a seeded shuffled order.
``loyalty_members.csv``
    About 40% of the shop customers, membership rate set by the customer's segment.

Determinism
-----------
Every dataset draws from its own child of ``numpy.random.SeedSequence(seed)``;
large outputs are cut into fixed blocks (``SHOP_BLOCK_ROWS`` customers,
``ACTIVITY_BLOCK_CUSTOMERS`` customers for orders and loyalty) and block ``b`` of
stream ``s`` uses ``SeedSequence(seed, spawn_key=(s, b))``, the same state as
``SeedSequence(seed).spawn(...)[s].spawn(...)[b]``. Output therefore depends only on
the seed and the row count, never on the write chunk size, and the exact quirk
counts above are scaled to each block's length. ``scale --rows 2000 --with-orders``
reproduces the committed shop, order and loyalty seeds.

Parquet output has the CSV column names: IDs and text columns are strings (an
empty Profession is null), numbers int64, ``joined_date`` a date; ``order_date``
and ``amount_usd`` stay text because they carry the unparseable values.

Usage
-----
    python scripts/generate_data.py seeds [--out seeds] [--seed 42]
    python scripts/generate_data.py scale --rows N --format csv|parquet --out DIR
        [--seed 42] [--with-orders]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

DEFAULT_SEED = 42

# Independent random streams (first element of every spawn_key).
MALL_STREAM = 0
SHOP_STREAM = 1
ORDERS_STREAM = 2
LOYALTY_STREAM = 3

# Fixed generation blocks (customers per random stream block), so output never
# depends on how it is written; write chunks and Parquet row groups.
SHOP_BLOCK_ROWS = 1_000_000
ACTIVITY_BLOCK_CUSTOMERS = 100_000
DEFAULT_CHUNK_ROWS = 1_000_000
PARQUET_ROW_GROUP_ROWS = 1_000_000

# ---------------------------------------------------------------------------
# Mall customers (Kaggle "Mall Customer Segmentation Data")
# ---------------------------------------------------------------------------

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

# ---------------------------------------------------------------------------
# Shop customers (Kaggle "Customers Dataset")
# ---------------------------------------------------------------------------

SHOP_ROWS = 2000
SHOP_COLUMNS = (
    "CustomerID",
    "Gender",
    "Age",
    "Annual Income ($)",
    "Spending Score (1-100)",
    "Profession",
    "Work Experience",
    "Family Size",
)
# The public file has 1186 women among 2000 customers (exact share per block).
SHOP_FEMALE_SHARE = 0.593
# The public file's largest income is 189,974 dollars.
SHOP_INCOME_CAP = 190_000
SHOP_MAX_AGE = 99
SHOP_MAX_FAMILY = 9
SHOP_MAX_WORK_EXPERIENCE = 17
# Working age: plausible rows have Work Experience <= Age - 16.
WORKING_AGE = 16
# Profession vocabulary and counts of the public file (plus 35 empty values).
PROFESSIONS = (
    "Artist",
    "Healthcare",
    "Entertainment",
    "Engineer",
    "Doctor",
    "Executive",
    "Lawyer",
    "Marketing",
    "Homemaker",
)
PROFESSION_COUNTS = (612, 339, 234, 179, 161, 153, 142, 85, 60)
# Exact quirk counts of the public file, per SHOP_ROWS rows.
SHOP_QUIRKS: Mapping[str, int] = {
    "profession_empty": 35,
    "age_zero": 24,
    "age_minor": 306,
    "income_zero": 2,
    "score_zero": 2,
    "work_gt_age_minor": 74,
    "work_gt_age_adult": 6,
}


class ShopSegment(NamedTuple):
    """A customer segment of the shop: demographics and behaviour."""

    name: str
    share: float
    age: Spread
    income: Spread
    score: Spread
    work_experience_mean: float
    extra_family_mean: float
    profession_tilt: Mapping[str, float]
    loyalty_rate: float


SHOP_SEGMENTS: tuple[ShopSegment, ...] = (
    ShopSegment(
        "young_trendsetters",
        0.18,
        Spread(25, 3.5, 18, 34),
        Spread(80_000, 11_000, 45_000, 115_000),
        Spread(80, 7, 60, 100),
        1.5,
        1.2,
        {"Artist": 1.5, "Entertainment": 1.6, "Marketing": 1.4},
        0.90,
    ),
    ShopSegment(
        "affluent_big_spenders",
        0.14,
        Spread(38, 4.5, 27, 52),
        Spread(162_000, 11_000, 132_000, SHOP_INCOME_CAP),
        Spread(78, 7, 58, 100),
        5.0,
        2.3,
        {"Executive": 2.2, "Lawyer": 2.0, "Doctor": 1.8, "Engineer": 1.5},
        0.30,
    ),
    ShopSegment(
        "affluent_savers",
        0.16,
        Spread(53, 5.5, 40, 70),
        Spread(155_000, 12_000, 120_000, SHOP_INCOME_CAP),
        Spread(22, 7, 1, 42),
        6.0,
        2.6,
        {"Doctor": 1.8, "Lawyer": 1.8, "Engineer": 1.6, "Executive": 1.5},
        0.10,
    ),
    ShopSegment(
        "budget_seniors",
        0.20,
        Spread(74, 7.5, 60, SHOP_MAX_AGE),
        Spread(55_000, 11_000, 20_000, 90_000),
        Spread(20, 7, 1, 42),
        4.0,
        0.9,
        {"Homemaker": 2.5, "Healthcare": 1.3},
        0.10,
    ),
    ShopSegment(
        "family_mainstream",
        0.32,
        Spread(44, 5, 30, 60),
        Spread(115_000, 11_000, 80_000, 150_000),
        Spread(52, 7, 30, 74),
        5.0,
        3.6,
        {"Healthcare": 1.3, "Engineer": 1.2},
        0.55,
    ),
)

# ---------------------------------------------------------------------------
# Orders
# ---------------------------------------------------------------------------

ORDER_COLUMNS = (
    "order_id",
    "line_number",
    "customer_id",
    "order_date",
    "product_category",
    "amount_usd",
    "channel",
)
ORDER_START = np.datetime64("2024-01-01", "D")
ORDER_END = np.datetime64("2025-12-31", "D")
FUTURE_START = np.datetime64("2027-01-01", "D")
FUTURE_END = np.datetime64("2027-12-31", "D")
ORDER_ID_DIGITS = 7
CATEGORIES = ("Electronics", "Home Goods", "Sports", "Fashion", "Groceries", "Beauty")
CHANNELS = ("store", "web", "app")
# Category mix of a 25-year-old, a 70-year-old (interpolated by age) and of an
# affluent high spender (blended in on top).
CATEGORY_MIX_YOUNG = (0.22, 0.06, 0.22, 0.26, 0.10, 0.14)
CATEGORY_MIX_OLD = (0.07, 0.32, 0.05, 0.09, 0.38, 0.09)
CATEGORY_MIX_AFFLUENT = (0.32, 0.08, 0.06, 0.30, 0.04, 0.20)
AFFLUENT_INCOME = 130_000
AFFLUENT_SCORE = 60
AFFLUENT_BLEND = 0.7
# Channel mix (store, web, app) of a 25-year-old and a 70-year-old.
CHANNEL_MIX_YOUNG = (0.15, 0.35, 0.50)
CHANNEL_MIX_OLD = (0.70, 0.22, 0.08)
MIX_AGE_RANGE = (25, 70)
# Median line amount per category for a customer earning REFERENCE_INCOME.
CATEGORY_MEDIAN_USD = (95.0, 48.0, 38.0, 42.0, 24.0, 28.0)
REFERENCE_INCOME = 110_000
INCOME_ELASTICITY = 0.6
AMOUNT_SIGMA = 0.55
# Orders per customer: none (5%), exactly one (4%), else 2 + Poisson(rate) with
# a rate that grows with the spending score.
NO_ORDER_SHARE = 0.05
ONE_ORDER_SHARE = 0.04
ORDER_RATE_BASE = 2.5
ORDER_RATE_PER_SCORE = 0.11
# Lines per order.
LINES_PER_ORDER = (1, 2, 3)
LINES_PER_ORDER_P = (0.62, 0.28, 0.10)
# Churn: low spenders stop buying during 2024 more often.
CHURN_BASE = 0.26
CHURN_PER_SCORE = 0.0018
CHURN_LAST_DAY = (np.datetime64("2024-03-01", "D"), np.datetime64("2024-12-31", "D"))
# Share of customers whose first order comes after 2024-01-01.
LATE_START_SHARE = 0.12
LATE_START_LAST = np.datetime64("2025-09-30", "D")
# Unknown customers get IDs n_customers + 7001 .. n_customers + 7999 (9xxx for 2000).
UNKNOWN_CUSTOMER_OFFSET = 7000
# Exact dirty-line counts per SHOP_ROWS customers.
ORDER_DIRT: Mapping[str, int] = {
    "unknown_customer": 40,
    "negative_amount": 60,
    "zero_amount": 10,
    "future_date": 25,
    "duplicate": 50,
    "bad_date": 5,
    "bad_amount": 5,
}
BAD_DATES = ("2025-13-45", "2024-02-30", "2025-00-00")
BAD_AMOUNTS = ("n/a", "#VALUE!")

# ---------------------------------------------------------------------------
# Loyalty members
# ---------------------------------------------------------------------------

LOYALTY_COLUMNS = ("customer_id", "joined_date", "tier")
LOYALTY_START = np.datetime64("2019-01-01", "D")
LOYALTY_END = np.datetime64("2025-12-31", "D")
TIERS = ("Bronze", "Silver", "Gold")
# Tier points: 60% spending score, 40% tenure, plus noise; thresholds for Silver, Gold.
TIER_THRESHOLDS = (0.58, 0.78)
TIER_NOISE = 0.08


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _rng(seed: int, *key: int) -> np.random.Generator:
    """Generator for stream ``key`` of ``seed`` (a SeedSequence spawn child)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))


def _scaled(counts: Mapping[str, int], length: int) -> dict[str, int]:
    """Scale per-``SHOP_ROWS`` counts to ``length`` rows (round half up)."""
    return {k: int(np.floor(v * length / SHOP_ROWS + 0.5)) for k, v in counts.items()}


def _truncated_normal(
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


def _spread_rows(rng: np.random.Generator, spreads: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Truncated normal draws, row ``i`` from ``spreads[idx[i]]``, rounded to int."""
    p = spreads[idx]
    return np.rint(_truncated_normal(rng, p[:, 0], p[:, 1], p[:, 2], p[:, 3])).astype(np.int64)


def _categorical(
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


def _strings(vocabulary: tuple[str, ...], idx: np.ndarray) -> pa.Array:
    """Arrow string array of ``vocabulary[idx]``; negative indices become null."""
    idx = np.asarray(idx, dtype=np.int64)
    return pa.array(vocabulary, pa.string()).take(pa.array(idx, mask=idx < 0))


def _id_strings(start: int, stop: int) -> pa.Array:
    """Unpadded decimal IDs ``start .. stop - 1`` as strings."""
    return pc.cast(pa.array(np.arange(start, stop, dtype=np.int64)), pa.string())


def _dates(days: np.ndarray) -> pa.Array:
    """Arrow date32 array from numpy ``datetime64[D]`` values."""
    return pa.array(days.astype("datetime64[D]"), pa.date32())


def _money(cents: np.ndarray) -> pa.Array:
    """Format integer cents as ``-12.34`` style strings."""
    cents = np.asarray(cents, dtype=np.int64)
    absolute = np.abs(cents)
    whole = pc.cast(pa.array(absolute // 100), pa.string())
    frac = pc.utf8_lpad(pc.cast(pa.array(absolute % 100), pa.string()), 2, "0")
    sign = _strings(("", "-"), (cents < 0).astype(np.int64))
    return pc.binary_join_element_wise(pc.binary_join_element_wise(sign, whole, ""), frac, ".")


def _blend(a: tuple[float, ...], b: tuple[float, ...], t: np.ndarray) -> np.ndarray:
    """Row-wise linear blend ``(1 - t) * a + t * b`` of two mixes."""
    t = np.asarray(t, dtype=float)[:, None]
    return (1.0 - t) * np.asarray(a) + t * np.asarray(b)


# ---------------------------------------------------------------------------
# Mall customers
# ---------------------------------------------------------------------------


def _draw(rng: np.random.Generator, spec: Spread | Skewed, n: int) -> np.ndarray:
    """``n`` continuous draws from a truncated normal or a truncated shifted gamma."""
    if isinstance(spec, Skewed):
        scale = (spec.mean - spec.lo) / spec.shape
        x = spec.lo + rng.gamma(spec.shape, scale, n)
        bad = np.flatnonzero(x > spec.hi)
        while bad.size:
            x[bad] = spec.lo + rng.gamma(spec.shape, scale, bad.size)
            bad = bad[x[bad] > spec.hi]
        return x
    return _truncated_normal(rng, *(np.full(n, v, dtype=float) for v in spec))


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
    raw = np.column_stack(
        [_draw(rng, group.income, group.size), _draw(rng, group.score, group.size)]
    )
    lo = np.array([group.income.lo, group.score.lo])
    hi = np.array([group.income.hi, group.score.hi])
    for _ in range(MAX_REDRAWS):
        pts = np.clip(np.rint(raw - raw.mean(axis=0) + own), lo, hi)
        d_own = np.linalg.norm(pts - own, axis=1)
        d_other = np.linalg.norm(pts[:, None, :] - others[None, :, :], axis=2).min(axis=1)
        bad = np.flatnonzero(d_other - d_own < MALL_VORONOI_MARGIN)
        if not bad.size:
            return pts[:, 0].astype(np.int64), pts[:, 1].astype(np.int64)
        raw[bad, 0] = _draw(rng, group.income, bad.size)
        raw[bad, 1] = _draw(rng, group.score, bad.size)
    raise RuntimeError(f"mall group {group.name!r} does not fit its k-means cell")


def mall_customers(seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Build the 200-row mall file (Kaggle "Mall Customer Segmentation Data" layout).

    Args:
        seed: Root seed; the mall file uses stream ``MALL_STREAM`` of it.

    Returns:
        DataFrame with the public file's columns, ordered by ascending income, with
        zero-padded string IDs ``0001`` .. ``0200``.
    """
    rng = _rng(seed, MALL_STREAM)
    centres = np.unique(np.array([g.centre for g in MALL_GROUPS], dtype=float), axis=0)
    frames = []
    for gi, group in enumerate(MALL_GROUPS):
        income, score = _mall_points(rng, group, centres)
        age = np.rint(_draw(rng, group.age, group.size)).astype(np.int64)
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


def write_mall_csv(df: pd.DataFrame, path: str | Path) -> None:
    """Write the mall file as the public file is laid out: CRLF, no final newline."""
    lines = [MALL_HEADER]
    lines += [",".join(str(v) for v in row) for row in df.itertuples(index=False, name=None)]
    Path(path).write_bytes("\r\n".join(lines).encode("ascii"))


# ---------------------------------------------------------------------------
# Shop customers
# ---------------------------------------------------------------------------


def _segment_params(field: str) -> np.ndarray:
    """(segments x 4) array of one ``Spread`` field of ``SHOP_SEGMENTS``."""
    return np.array([getattr(s, field) for s in SHOP_SEGMENTS], dtype=float)


def _profession_mix() -> np.ndarray:
    """(segments x professions) probabilities: public counts tilted per segment."""
    base = np.asarray(PROFESSION_COUNTS, dtype=float)
    rows = []
    for seg in SHOP_SEGMENTS:
        tilt = np.array([seg.profession_tilt.get(p, 1.0) for p in PROFESSIONS])
        rows.append(base * tilt / (base * tilt).sum())
    return np.array(rows)


def _shop_block(seed: int, block: int, length: int, first_id: int, quirks: bool) -> pa.Table:
    """Generate ``length`` shop customers of block ``block`` (IDs from ``first_id``)."""
    rng = _rng(seed, SHOP_STREAM, block)
    shares = np.array([s.share for s in SHOP_SEGMENTS])
    seg = rng.choice(len(SHOP_SEGMENTS), size=length, p=shares / shares.sum())
    age = _spread_rows(rng, _segment_params("age"), seg)
    income = _spread_rows(rng, _segment_params("income"), seg)
    score = _spread_rows(rng, _segment_params("score"), seg)
    female = np.zeros(length, dtype=bool)
    female[rng.permutation(length)[: int(np.floor(SHOP_FEMALE_SHARE * length + 0.5))]] = True
    profession = _categorical(rng, _profession_mix(), seg)
    we_mean = np.array([s.work_experience_mean for s in SHOP_SEGMENTS])[seg]
    work = np.floor(rng.exponential(we_mean)).astype(np.int64)
    work = np.clip(work, 0, np.minimum(SHOP_MAX_WORK_EXPERIENCE, age - WORKING_AGE))
    family_mean = np.array([s.extra_family_mean for s in SHOP_SEGMENTS])[seg]
    family = np.minimum(1 + rng.poisson(family_mean), SHOP_MAX_FAMILY)

    plausible = np.ones(length, dtype=bool)
    if quirks:
        n = _scaled(SHOP_QUIRKS, length)
        order = rng.permutation(length)
        n_minor = min(n["age_zero"] + n["age_minor"], length)
        minors, rest = order[:n_minor], order[n_minor:]
        age[minors[: n["age_zero"]]] = 0
        age[minors[n["age_zero"] :]] = rng.integers(1, 18, minors.size - n["age_zero"])
        work[minors] = np.minimum(work[minors], age[minors])
        # Minors whose work experience exceeds their age.
        young = minors[age[minors] < SHOP_MAX_WORK_EXPERIENCE]
        odd = rng.choice(young, min(n["work_gt_age_minor"], young.size), replace=False)
        work[odd] = rng.integers(age[odd] + 1, SHOP_MAX_WORK_EXPERIENCE + 1)
        # A few young adults likewise, taken from the 18-20 year olds.
        adults = rest[(age[rest] <= 20)]
        odd = adults[: n["work_gt_age_adult"]]
        work[odd] = age[odd] + rng.integers(1, 4, odd.size)
        rest = rest[~np.isin(rest, odd)]
        plausible[minors] = False
        plausible[odd] = False
        # Zero income and zero score on otherwise plausible adults.
        zero_income = rest[: n["income_zero"]]
        zero_score = rest[n["income_zero"] : n["income_zero"] + n["score_zero"]]
        income[zero_income] = 0
        score[zero_score] = 0
        plausible[zero_income] = False
        plausible[zero_score] = False
        missing = rng.choice(length, min(n["profession_empty"], length), replace=False)
        profession[missing] = -1
    # The public file's oldest customer is 99.
    if plausible.any():
        candidates = np.flatnonzero(plausible)
        age[candidates[np.argmax(age[candidates])]] = SHOP_MAX_AGE

    columns = (
        _id_strings(first_id, first_id + length),
        _strings(("Male", "Female"), female.astype(np.int64)),
        pa.array(age),
        pa.array(income),
        pa.array(score),
        _strings(PROFESSIONS, profession),
        pa.array(work),
        pa.array(family.astype(np.int64)),
    )
    return pa.table(dict(zip(SHOP_COLUMNS, columns, strict=True)))


def iter_shop_tables(
    n: int,
    seed: int = DEFAULT_SEED,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    quirks: bool = True,
) -> Iterator[pa.Table]:
    """Yield the ``n`` shop customers as Arrow tables of at most ``chunk_rows`` rows.

    Rows are generated in fixed blocks of ``SHOP_BLOCK_ROWS``; ``chunk_rows`` only
    decides how the same rows are handed out, so it never changes the data.
    """
    cached: tuple[int, pa.Table] | None = None
    for start in range(0, n, chunk_rows):
        stop = min(start + chunk_rows, n)
        parts = []
        for block in range(start // SHOP_BLOCK_ROWS, (stop - 1) // SHOP_BLOCK_ROWS + 1):
            if cached is None or cached[0] != block:
                b0 = block * SHOP_BLOCK_ROWS
                length = min(SHOP_BLOCK_ROWS, n - b0)
                cached = (block, _shop_block(seed, block, length, b0 + 1, quirks))
            b0 = block * SHOP_BLOCK_ROWS
            lo, hi = max(start, b0) - b0, min(stop, b0 + SHOP_BLOCK_ROWS) - b0
            parts.append(cached[1].slice(lo, hi - lo))
        yield pa.concat_tables(parts) if len(parts) > 1 else parts[0]


def shop_customers(
    n: int = SHOP_ROWS, seed: int = DEFAULT_SEED, quirks: bool = True
) -> pd.DataFrame:
    """Build ``n`` shop customers (Kaggle "Customers Dataset" layout).

    Args:
        n: Number of customers; IDs run from 1 to ``n``.
        seed: Root seed; customers use stream ``SHOP_STREAM`` of it.
        quirks: Reproduce the public file's data-entry quirks (see module docstring).

    Returns:
        DataFrame with ``SHOP_COLUMNS``; CustomerID, Gender and Profession are
        text (Profession missing when empty), the other columns int64.
    """
    tables = list(iter_shop_tables(n, seed, quirks=quirks))
    return pa.concat_tables(tables).to_pandas() if tables else _empty(SHOP_COLUMNS)


def _empty(columns: tuple[str, ...]) -> pd.DataFrame:
    """An empty DataFrame with the given columns."""
    return pd.DataFrame({c: [] for c in columns})


def shop_segments(age: np.ndarray, income: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Index into ``SHOP_SEGMENTS`` of the nearest segment centre (in sd units).

    Age is ignored for rows under 18, whose recorded age is a data-entry error.
    """
    age, income, score = (np.asarray(a, dtype=float)[:, None] for a in (age, income, score))
    a, i, s = (_segment_params(f) for f in ("age", "income", "score"))
    dist = ((income - i[:, 0]) / i[:, 1]) ** 2 + ((score - s[:, 0]) / s[:, 1]) ** 2
    dist += np.where(age >= 18, ((age - a[:, 0]) / a[:, 1]) ** 2, 0.0)
    return np.argmin(dist, axis=1)


class _Customers(NamedTuple):
    """The customer attributes that drive orders and loyalty."""

    ids: pa.Array
    age: np.ndarray
    income: np.ndarray
    score: np.ndarray


def _customers(table: pa.Table) -> _Customers:
    """Extract the behaviour-driving columns of a shop customer table."""
    return _Customers(
        ids=pc.cast(table["CustomerID"], pa.string()).combine_chunks(),
        age=table["Age"].to_numpy().astype(np.int64),
        income=table["Annual Income ($)"].to_numpy().astype(np.int64),
        score=table["Spending Score (1-100)"].to_numpy().astype(np.int64),
    )


# ---------------------------------------------------------------------------
# Orders
# ---------------------------------------------------------------------------

ORDER_SCHEMA = pa.schema(
    [(c, pa.int64() if c == "line_number" else pa.string()) for c in ORDER_COLUMNS]
)


def _days(a: np.datetime64, b: np.datetime64) -> int:
    """Whole days from ``a`` to ``b``."""
    return int((b - a).astype(np.int64))


def _with_codes(values: pa.Array, codes: np.ndarray, choices: tuple[str, ...]) -> pa.Array:
    """Overwrite ``values`` with ``choices[code - 1]`` wherever ``codes > 0``."""
    mask = codes > 0
    picks = pa.array(choices, pa.string()).take(pa.array(codes[mask] - 1))
    return pc.replace_with_mask(values, pa.array(mask), picks)


def _order_ids(numbers: np.ndarray) -> pa.Array:
    """``O0000001`` style order IDs."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers, pa.int64()), pa.string()), ORDER_ID_DIGITS, "0")
    return pc.binary_join_element_wise("O", digits, "")


def _age_weight(age: np.ndarray) -> np.ndarray:
    """0 for customers up to 25, 1 from 70, linear in between."""
    lo, hi = MIX_AGE_RANGE
    return np.clip((np.asarray(age, dtype=float) - lo) / (hi - lo), 0.0, 1.0)


def _category_mix(age: np.ndarray, income: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Per-customer product category probabilities."""
    mix = _blend(CATEGORY_MIX_YOUNG, CATEGORY_MIX_OLD, _age_weight(age))
    affluent = (income >= AFFLUENT_INCOME) & (score >= AFFLUENT_SCORE)
    mix[affluent] = (1 - AFFLUENT_BLEND) * mix[affluent] + AFFLUENT_BLEND * np.asarray(
        CATEGORY_MIX_AFFLUENT
    )
    return mix


def _amount_cents(rng: np.random.Generator, category: np.ndarray, income: np.ndarray) -> np.ndarray:
    """Line amounts in cents: lognormal around a category median scaled by income."""
    factor = (np.maximum(income, 15_000) / REFERENCE_INCOME) ** INCOME_ELASTICITY
    median = np.asarray(CATEGORY_MEDIAN_USD)[category] * factor
    amount = median * np.exp(rng.normal(0.0, AMOUNT_SIGMA, category.size))
    return np.maximum(np.rint(amount * 100), 100).astype(np.int64)


def _explode(n_lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order index and 1-based line number of every line."""
    order = np.repeat(np.arange(n_lines.size), n_lines)
    starts = np.cumsum(n_lines) - n_lines
    return order, np.arange(order.size) - starts[order] + 1


def _orders_block(
    seed: int, block: int, customers: _Customers, first_order: int, n_customers: int
) -> tuple[pa.Table, int]:
    """Order lines of one block of customers; returns the table and the next order number."""
    rng = _rng(seed, ORDERS_STREAM, block)
    n_cust = customers.age.size
    seg = shop_segments(customers.age, customers.income, customers.score)
    age = np.where(customers.age >= 18, customers.age, _segment_params("age")[seg, 0])
    score, income = customers.score, customers.income

    # How many orders, and during which window.
    u = rng.random(n_cust)
    n_orders = 2 + rng.poisson(ORDER_RATE_BASE + ORDER_RATE_PER_SCORE * score)
    n_orders[u < NO_ORDER_SHARE] = 0
    n_orders[(u >= NO_ORDER_SHARE) & (u < NO_ORDER_SHARE + ONE_ORDER_SHARE)] = 1
    churned = rng.random(n_cust) < CHURN_BASE - CHURN_PER_SCORE * score
    late = ~churned & (rng.random(n_cust) < LATE_START_SHARE)
    first = np.where(late, rng.integers(0, _days(ORDER_START, LATE_START_LAST) + 1, n_cust), 0)
    churn_lo, churn_hi = (_days(ORDER_START, d) for d in CHURN_LAST_DAY)
    last = np.where(
        churned, rng.integers(churn_lo, churn_hi + 1, n_cust), _days(ORDER_START, ORDER_END)
    )

    # Orders, numbered by date.
    cust = np.repeat(np.arange(n_cust), n_orders)
    span = last[cust] - first[cust] + 1
    day = first[cust] + np.floor(rng.random(cust.size) * span).astype(np.int64)
    channel = _categorical(rng, _blend(CHANNEL_MIX_YOUNG, CHANNEL_MIX_OLD, _age_weight(age)), cust)
    n_lines = rng.choice(LINES_PER_ORDER, size=cust.size, p=LINES_PER_ORDER_P)
    by_date = np.lexsort((cust, day))
    cust, day, channel, n_lines = cust[by_date], day[by_date], channel[by_date], n_lines[by_date]

    # Lines.
    order, line_number = _explode(n_lines)
    line_cust = cust[order]
    category = _categorical(rng, _category_mix(age, income, score), line_cust)
    cents = _amount_cents(rng, category, income[line_cust])
    line_day = day[order]
    line_channel = channel[order]
    date_code = np.zeros(order.size, dtype=np.int64)
    amount_code = np.zeros(order.size, dtype=np.int64)

    # Dirty lines, each kind on its own lines so every count is exact. Date faults go
    # on single-line orders so that an order keeps one date.
    dirt = _scaled(ORDER_DIRT, n_cust)
    taken = np.zeros(order.size, dtype=bool)

    def pick(pool: np.ndarray, k: int) -> np.ndarray:
        chosen = rng.choice(pool[~taken[pool]], min(k, int((~taken[pool]).sum())), replace=False)
        taken[chosen] = True
        return chosen

    single = np.flatnonzero(n_lines[order] == 1)
    anywhere = np.arange(order.size)
    future = pick(single, dirt["future_date"])
    line_day[future] = _days(ORDER_START, FUTURE_START) + rng.integers(
        0, _days(FUTURE_START, FUTURE_END) + 1, future.size
    )
    bad_date = pick(single, dirt["bad_date"])
    date_code[bad_date] = rng.integers(1, len(BAD_DATES) + 1, bad_date.size)
    bad_amount = pick(anywhere, dirt["bad_amount"])
    amount_code[bad_amount] = rng.integers(1, len(BAD_AMOUNTS) + 1, bad_amount.size)
    negative = pick(anywhere, dirt["negative_amount"])
    cents[negative] = -cents[negative]
    cents[pick(anywhere, dirt["zero_amount"])] = 0
    duplicate = np.sort(pick(anywhere, dirt["duplicate"]))

    # Orders of customers missing from the customer file (customer index >= n_cust).
    n_unknown = dirt["unknown_customer"]
    sizes = rng.choice(LINES_PER_ORDER, size=max(n_unknown, 1), p=LINES_PER_ORDER_P)
    sizes = sizes[: np.searchsorted(np.cumsum(sizes), n_unknown) + 1] if n_unknown else sizes[:0]
    if sizes.size:
        sizes[-1] -= sizes.sum() - n_unknown
    u_order, u_line = _explode(sizes)
    u_ids = n_customers + UNKNOWN_CUSTOMER_OFFSET + rng.integers(1, 1000, sizes.size)
    u_day = rng.integers(0, _days(ORDER_START, ORDER_END) + 1, sizes.size)
    u_mix = np.tile(np.add(CHANNEL_MIX_YOUNG, CHANNEL_MIX_OLD), (sizes.size, 1))
    u_channel = _categorical(rng, u_mix)
    mid_age = np.full(u_order.size, float(sum(MIX_AGE_RANGE)) / 2)
    no_money = np.zeros(u_order.size)
    u_category = _categorical(rng, _category_mix(mid_age, no_money, no_money))
    u_cents = _amount_cents(rng, u_category, np.full(u_order.size, REFERENCE_INCOME))
    n_main = cust.size

    # Main lines, unknown-customer lines and verbatim copies, in a shuffled order.
    def stack(main: np.ndarray, unknown: np.ndarray) -> np.ndarray:
        return np.concatenate([main, unknown, main[duplicate]])

    zeros = np.zeros(u_order.size, dtype=np.int64)
    shuffle = rng.permutation(order.size + u_order.size + duplicate.size)
    order_no = stack(first_order + order, first_order + n_main + u_order)[shuffle]
    who = stack(line_cust, n_cust + u_order)[shuffle]
    ids = pa.concat_arrays([customers.ids, pc.cast(pa.array(u_ids), pa.string())])
    days = stack(line_day, u_day[u_order])[shuffle]
    table = pa.table(
        {
            "order_id": _order_ids(order_no),
            "line_number": pa.array(stack(line_number, u_line)[shuffle].astype(np.int64)),
            "customer_id": ids.take(pa.array(who)),
            "order_date": _with_codes(
                pc.cast(_dates(ORDER_START + days), pa.string()),
                stack(date_code, zeros)[shuffle],
                BAD_DATES,
            ),
            "product_category": _strings(CATEGORIES, stack(category, u_category)[shuffle]),
            "amount_usd": _with_codes(
                _money(stack(cents, u_cents)[shuffle]),
                stack(amount_code, zeros)[shuffle],
                BAD_AMOUNTS,
            ),
            "channel": _strings(CHANNELS, stack(line_channel, u_channel[u_order])[shuffle]),
        },
        schema=ORDER_SCHEMA,
    )
    return table, first_order + n_main + sizes.size


# ---------------------------------------------------------------------------
# Loyalty members
# ---------------------------------------------------------------------------

LOYALTY_SCHEMA = pa.schema(
    [("customer_id", pa.string()), ("joined_date", pa.date32()), ("tier", pa.string())]
)


def _loyalty_block(seed: int, block: int, customers: _Customers) -> pa.Table:
    """Loyalty members among one block of customers."""
    rng = _rng(seed, LOYALTY_STREAM, block)
    n = customers.age.size
    seg = shop_segments(customers.age, customers.income, customers.score)
    member = rng.random(n) < np.array([s.loyalty_rate for s in SHOP_SEGMENTS])[seg]
    span = _days(LOYALTY_START, LOYALTY_END)
    joined = rng.integers(0, span + 1, n)
    tenure = 1.0 - joined / span
    points = (
        0.6 * np.clip(customers.score, 0, 100) / 100 + 0.4 * tenure + rng.normal(0, TIER_NOISE, n)
    )
    tier = np.searchsorted(np.asarray(TIER_THRESHOLDS), points, side="right")
    keep = np.flatnonzero(member)
    return pa.table(
        {
            "customer_id": customers.ids.take(pa.array(keep)),
            "joined_date": _dates(LOYALTY_START + joined[keep]),
            "tier": _strings(TIERS, tier[keep]),
        },
        schema=LOYALTY_SCHEMA,
    )


def iter_activity_tables(
    customers: Iterator[pa.Table], seed: int, n_customers: int
) -> Iterator[tuple[pa.Table, pa.Table]]:
    """Yield (orders, loyalty) tables for consecutive ``ACTIVITY_BLOCK_CUSTOMERS`` blocks.

    Args:
        customers: Shop customer tables of exactly ``ACTIVITY_BLOCK_CUSTOMERS`` rows
            each (the last may be shorter), in ID order.
        seed: Root seed.
        n_customers: Size of the whole customer file (sets the unknown-customer IDs).
    """
    next_order = 1
    for block, table in enumerate(customers):
        c = _customers(table)
        order_table, next_order = _orders_block(seed, block, c, next_order, n_customers)
        yield order_table, _loyalty_block(seed, block, c)


def _activity_from_frame(
    customers: pd.DataFrame, seed: int, n_customers: int | None
) -> Iterator[tuple[pa.Table, pa.Table]]:
    """Activity tables for a customer DataFrame (blocks by row position)."""
    table = pa.Table.from_pandas(customers, preserve_index=False)
    step = ACTIVITY_BLOCK_CUSTOMERS
    blocks = (table.slice(i, step) for i in range(0, table.num_rows, step))
    return iter_activity_tables(
        blocks, seed, len(customers) if n_customers is None else n_customers
    )


def orders(
    customers: pd.DataFrame, seed: int = DEFAULT_SEED, n_customers: int | None = None
) -> pd.DataFrame:
    """Order lines (with the documented dirty lines) for a shop customer file.

    Args:
        customers: Output of :func:`shop_customers`.
        seed: Root seed; orders use stream ``ORDERS_STREAM`` of it.
        n_customers: Size of the full customer file, when ``customers`` is all of it
            this is ``len(customers)`` (the default).

    Returns:
        DataFrame with ``ORDER_COLUMNS``; every column is text except line_number,
        since order_date and amount_usd carry unparseable values.
    """
    tables = [o for o, _ in _activity_from_frame(customers, seed, n_customers)]
    return pa.concat_tables(tables).to_pandas() if tables else _empty(ORDER_COLUMNS)


def loyalty_members(customers: pd.DataFrame, seed: int = DEFAULT_SEED) -> pd.DataFrame:
    """Loyalty programme members among the shop customers.

    Args:
        customers: Output of :func:`shop_customers`.
        seed: Root seed; members use stream ``LOYALTY_STREAM`` of it.

    Returns:
        DataFrame with ``LOYALTY_COLUMNS`` (joined_date as ``datetime.date``).
    """
    tables = [m for _, m in _activity_from_frame(customers, seed, None)]
    return pa.concat_tables(tables).to_pandas() if tables else _empty(LOYALTY_COLUMNS)


# ---------------------------------------------------------------------------
# Writers
# ---------------------------------------------------------------------------

SHOP_SCHEMA = pa.schema(
    [
        (c, pa.string() if c in ("CustomerID", "Gender", "Profession") else pa.int64())
        for c in SHOP_COLUMNS
    ]
)
FORMATS = ("csv", "parquet")


class TableSink:
    """Append Arrow tables with one schema to a CSV or Parquet file.

    CSV is written unquoted with LF line endings and a header. Parquet row groups
    hold exactly ``PARQUET_ROW_GROUP_ROWS`` rows (the last one fewer), so neither
    format depends on the sizes of the appended tables.
    """

    def __init__(self, path: str | Path, fmt: str, schema: pa.Schema) -> None:
        """Open ``path`` for writing in format ``fmt`` (``csv`` or ``parquet``)."""
        if fmt not in FORMATS:
            raise ValueError(f"unknown format {fmt!r}")
        self.schema = schema
        self.rows = 0
        self._buffer: list[pa.Table] = []
        self._buffered = 0
        self._writer: pacsv.CSVWriter | pq.ParquetWriter
        if fmt == "csv":
            options = pacsv.WriteOptions(
                quoting_style="none", quoting_header="none", batch_size=65_536
            )
            self._writer = pacsv.CSVWriter(str(path), schema, write_options=options)
        else:
            self._writer = pq.ParquetWriter(str(path), schema, compression="zstd")

    def write(self, table: pa.Table) -> None:
        """Append ``table`` (cast to the sink's schema)."""
        table = table.select(self.schema.names).cast(self.schema)
        self.rows += table.num_rows
        if isinstance(self._writer, pacsv.CSVWriter):
            self._writer.write_table(table)
            return
        self._buffer.append(table)
        self._buffered += table.num_rows
        if self._buffered >= PARQUET_ROW_GROUP_ROWS:
            self._flush(final=False)

    def _flush(self, final: bool) -> None:
        """Write buffered rows as full row groups (and the remainder if ``final``)."""
        pending = pa.concat_tables(self._buffer) if self._buffer else self.schema.empty_table()
        start = 0
        while pending.num_rows - start >= PARQUET_ROW_GROUP_ROWS or (
            final and start < pending.num_rows
        ):
            group = pending.slice(start, PARQUET_ROW_GROUP_ROWS)
            self._writer.write_table(group, row_group_size=PARQUET_ROW_GROUP_ROWS)
            start += group.num_rows
        rest = pending.slice(start)
        self._buffer = [rest] if rest.num_rows else []
        self._buffered = rest.num_rows

    def close(self) -> None:
        """Flush and close the file."""
        if isinstance(self._writer, pq.ParquetWriter):
            self._flush(final=True)
        self._writer.close()

    def __enter__(self) -> TableSink:
        """Use as a context manager."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Close on leaving the context."""
        self.close()


def write_frame(df: pd.DataFrame, path: str | Path, schema: pa.Schema, fmt: str = "csv") -> None:
    """Write a DataFrame through :class:`TableSink` with ``schema``."""
    with TableSink(path, fmt, schema) as sink:
        sink.write(pa.Table.from_pandas(df, preserve_index=False))


def write_scale(
    out: str | Path,
    rows: int,
    fmt: str,
    seed: int = DEFAULT_SEED,
    with_orders: bool = False,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> dict[str, int]:
    """Write ``rows`` shop customers (and optionally orders and loyalty) to ``out``.

    Memory stays bounded: customers are produced ``chunk_rows`` at a time, orders
    and loyalty ``ACTIVITY_BLOCK_CUSTOMERS`` customers at a time.

    Returns:
        Rows written per file name.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    written = {}
    name = f"shop_customers.{fmt}"
    with TableSink(out / name, fmt, SHOP_SCHEMA) as sink:
        for table in iter_shop_tables(rows, seed, chunk_rows):
            sink.write(table)
    written[name] = sink.rows
    if with_orders:
        order_name, loyalty_name = f"orders.{fmt}", f"loyalty_members.{fmt}"
        with (
            TableSink(out / order_name, fmt, ORDER_SCHEMA) as order_sink,
            TableSink(out / loyalty_name, fmt, LOYALTY_SCHEMA) as loyalty_sink,
        ):
            customers = iter_shop_tables(rows, seed, ACTIVITY_BLOCK_CUSTOMERS)
            for order_table, loyalty_table in iter_activity_tables(customers, seed, rows):
                order_sink.write(order_table)
                loyalty_sink.write(loyalty_table)
        written[order_name] = order_sink.rows
        written[loyalty_name] = loyalty_sink.rows
    return written


def write_seeds(out: str | Path = "seeds", seed: int = DEFAULT_SEED) -> dict[str, int]:
    """Write the four demo seed files into ``out``; returns rows per file name."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    mall = mall_customers(seed)
    write_mall_csv(mall, out / "mall_customers.csv")
    return {
        "mall_customers.csv": len(mall),
        **write_scale(out, SHOP_ROWS, "csv", seed, with_orders=True),
    }


# ---------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------


def _positive(text: str) -> int:
    """argparse type: a positive integer (underscores allowed)."""
    value = int(text.replace("_", ""))
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command line parser."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    commands = parser.add_subparsers(dest="command", required=True)
    seeds = commands.add_parser("seeds", help="write the four demo seed files")
    seeds.add_argument("--out", default="seeds", help="output directory (default: seeds)")
    seeds.add_argument("--seed", type=int, default=DEFAULT_SEED)
    scale = commands.add_parser("scale", help="write a large shop customer file")
    scale.add_argument("--rows", type=_positive, required=True, help="number of customers")
    scale.add_argument("--format", choices=FORMATS, required=True)
    scale.add_argument("--out", required=True, help="output directory")
    scale.add_argument("--seed", type=int, default=DEFAULT_SEED)
    scale.add_argument(
        "--with-orders", action="store_true", help="also write orders and loyalty members"
    )
    scale.add_argument(
        "--chunk-rows", type=_positive, default=DEFAULT_CHUNK_ROWS, help=argparse.SUPPRESS
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; prints a one-line summary."""
    args = build_parser().parse_args(argv)
    started = time.perf_counter()
    if args.command == "seeds":
        written = write_seeds(args.out, args.seed)
    else:
        written = write_scale(
            args.out, args.rows, args.format, args.seed, args.with_orders, args.chunk_rows
        )
    files = ", ".join(f"{name} ({rows:,} rows)" for name, rows in written.items())
    seconds = time.perf_counter() - started
    print(f"{args.command}: wrote {files} to {args.out} (seed {args.seed}) in {seconds:.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

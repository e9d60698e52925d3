"""``shop_customers.csv``: shop customers drawn from five segments, with the public file's
data-entry quirks; also the customer attributes that drive orders and loyalty.

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
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from datagen import streams
from datagen.columns import empty_frame, id_strings, strings
from datagen.draws import Spread, categorical, truncated_normal

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
SHOP_SCHEMA = pa.schema(
    [
        (c, pa.string() if c in ("CustomerID", "Gender", "Profession") else pa.int64())
        for c in SHOP_COLUMNS
    ]
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


def scaled(counts: Mapping[str, int], length: int) -> dict[str, int]:
    """Scale per-``SHOP_ROWS`` counts to ``length`` rows (round half up)."""
    return {k: int(np.floor(v * length / SHOP_ROWS + 0.5)) for k, v in counts.items()}


def segment_params(field: str) -> np.ndarray:
    """(segments x 4) array of one ``Spread`` field of ``SHOP_SEGMENTS``."""
    return np.array([getattr(s, field) for s in SHOP_SEGMENTS], dtype=float)


def _spread_rows(rng: np.random.Generator, spreads: np.ndarray, idx: np.ndarray) -> np.ndarray:
    """Truncated normal draws, row ``i`` from ``spreads[idx[i]]``, rounded to int."""
    p = spreads[idx]
    return np.rint(truncated_normal(rng, p[:, 0], p[:, 1], p[:, 2], p[:, 3])).astype(np.int64)


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
    rng = streams.rng(seed, streams.SHOP_STREAM, block)
    shares = np.array([s.share for s in SHOP_SEGMENTS])
    seg = rng.choice(len(SHOP_SEGMENTS), size=length, p=shares / shares.sum())
    age = _spread_rows(rng, segment_params("age"), seg)
    income = _spread_rows(rng, segment_params("income"), seg)
    score = _spread_rows(rng, segment_params("score"), seg)
    female = np.zeros(length, dtype=bool)
    female[rng.permutation(length)[: int(np.floor(SHOP_FEMALE_SHARE * length + 0.5))]] = True
    profession = categorical(rng, _profession_mix(), seg)
    we_mean = np.array([s.work_experience_mean for s in SHOP_SEGMENTS])[seg]
    work = np.floor(rng.exponential(we_mean)).astype(np.int64)
    work = np.clip(work, 0, np.minimum(SHOP_MAX_WORK_EXPERIENCE, age - WORKING_AGE))
    family_mean = np.array([s.extra_family_mean for s in SHOP_SEGMENTS])[seg]
    family = np.minimum(1 + rng.poisson(family_mean), SHOP_MAX_FAMILY)

    plausible = np.ones(length, dtype=bool)
    if quirks:
        n = scaled(SHOP_QUIRKS, length)
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
        id_strings(first_id, first_id + length),
        strings(("Male", "Female"), female.astype(np.int64)),
        pa.array(age),
        pa.array(income),
        pa.array(score),
        strings(PROFESSIONS, profession),
        pa.array(work),
        pa.array(family.astype(np.int64)),
    )
    return pa.table(dict(zip(SHOP_COLUMNS, columns, strict=True)))


def iter_shop_tables(
    n: int,
    seed: int = streams.DEFAULT_SEED,
    chunk_rows: int = streams.DEFAULT_CHUNK_ROWS,
    quirks: bool = True,
) -> Iterator[pa.Table]:
    """Yield the ``n`` shop customers as Arrow tables of at most ``chunk_rows`` rows.

    Rows are generated in fixed blocks of ``SHOP_BLOCK_ROWS``; ``chunk_rows`` only
    decides how the same rows are handed out, so it never changes the data.
    """
    block_rows = streams.SHOP_BLOCK_ROWS
    cached: tuple[int, pa.Table] | None = None
    for start in range(0, n, chunk_rows):
        stop = min(start + chunk_rows, n)
        parts = []
        for block in range(start // block_rows, (stop - 1) // block_rows + 1):
            if cached is None or cached[0] != block:
                b0 = block * block_rows
                length = min(block_rows, n - b0)
                cached = (block, _shop_block(seed, block, length, b0 + 1, quirks))
            b0 = block * block_rows
            lo, hi = max(start, b0) - b0, min(stop, b0 + block_rows) - b0
            parts.append(cached[1].slice(lo, hi - lo))
        yield pa.concat_tables(parts) if len(parts) > 1 else parts[0]


def shop_customers(
    n: int = SHOP_ROWS, seed: int = streams.DEFAULT_SEED, quirks: bool = True
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
    return pa.concat_tables(tables).to_pandas() if tables else empty_frame(SHOP_COLUMNS)


def shop_segments(age: np.ndarray, income: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Index into ``SHOP_SEGMENTS`` of the nearest segment centre (in sd units).

    Age is ignored for rows under 18, whose recorded age is a data-entry error.
    """
    age, income, score = (np.asarray(a, dtype=float)[:, None] for a in (age, income, score))
    a, i, s = (segment_params(f) for f in ("age", "income", "score"))
    dist = ((income - i[:, 0]) / i[:, 1]) ** 2 + ((score - s[:, 0]) / s[:, 1]) ** 2
    dist += np.where(age >= 18, ((age - a[:, 0]) / a[:, 1]) ** 2, 0.0)
    return np.argmin(dist, axis=1)


class Customers(NamedTuple):
    """The customer attributes that drive orders and loyalty."""

    ids: pa.Array
    age: np.ndarray
    income: np.ndarray
    score: np.ndarray


def customer_attributes(table: pa.Table) -> Customers:
    """Extract the behaviour-driving columns of a shop customer table."""
    return Customers(
        ids=pc.cast(table["CustomerID"], pa.string()).combine_chunks(),
        age=table["Age"].to_numpy().astype(np.int64),
        income=table["Annual Income ($)"].to_numpy().astype(np.int64),
        score=table["Spending Score (1-100)"].to_numpy().astype(np.int64),
    )


def customer_blocks(customers: pd.DataFrame) -> Iterator[Customers]:
    """The attributes of a customer DataFrame in ``ACTIVITY_BLOCK_CUSTOMERS`` blocks, by
    row position: the blocks that orders and loyalty draw their random streams for."""
    table = pa.Table.from_pandas(customers, preserve_index=False)
    step = streams.ACTIVITY_BLOCK_CUSTOMERS
    for start in range(0, table.num_rows, step):
        yield customer_attributes(table.slice(start, step))

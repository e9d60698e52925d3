"""``orders.csv``: order lines of the shop customers, with exact counts of dirty lines.

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
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from datagen import streams
from datagen.columns import dates, empty_frame, money, strings
from datagen.draws import categorical, days_between
from datagen.shop import Customers, customer_blocks, scaled, segment_params, shop_segments

ORDER_COLUMNS = (
    "order_id",
    "line_number",
    "customer_id",
    "order_date",
    "product_category",
    "amount_usd",
    "channel",
)
ORDER_SCHEMA = pa.schema(
    [(c, pa.int64() if c == "line_number" else pa.string()) for c in ORDER_COLUMNS]
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


def _with_codes(values: pa.Array, codes: np.ndarray, choices: tuple[str, ...]) -> pa.Array:
    """Overwrite ``values`` with ``choices[code - 1]`` wherever ``codes > 0``."""
    mask = codes > 0
    picks = pa.array(choices, pa.string()).take(pa.array(codes[mask] - 1))
    return pc.replace_with_mask(values, pa.array(mask), picks)


def _order_ids(numbers: np.ndarray) -> pa.Array:
    """``O0000001`` style order IDs."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers, pa.int64()), pa.string()), ORDER_ID_DIGITS, "0")
    return pc.binary_join_element_wise("O", digits, "")


def _blend(a: tuple[float, ...], b: tuple[float, ...], t: np.ndarray) -> np.ndarray:
    """Row-wise linear blend ``(1 - t) * a + t * b`` of two mixes."""
    t = np.asarray(t, dtype=float)[:, None]
    return (1.0 - t) * np.asarray(a) + t * np.asarray(b)


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


def order_block(
    seed: int, block: int, customers: Customers, first_order: int, n_customers: int
) -> tuple[pa.Table, int]:
    """Order lines of one block of customers; returns the table and the next order number."""
    rng = streams.rng(seed, streams.ORDERS_STREAM, block)
    n_cust = customers.age.size
    seg = shop_segments(customers.age, customers.income, customers.score)
    age = np.where(customers.age >= 18, customers.age, segment_params("age")[seg, 0])
    score, income = customers.score, customers.income

    # How many orders, and during which window.
    u = rng.random(n_cust)
    n_orders = 2 + rng.poisson(ORDER_RATE_BASE + ORDER_RATE_PER_SCORE * score)
    n_orders[u < NO_ORDER_SHARE] = 0
    n_orders[(u >= NO_ORDER_SHARE) & (u < NO_ORDER_SHARE + ONE_ORDER_SHARE)] = 1
    churned = rng.random(n_cust) < CHURN_BASE - CHURN_PER_SCORE * score
    late = ~churned & (rng.random(n_cust) < LATE_START_SHARE)
    first = np.where(
        late, rng.integers(0, days_between(ORDER_START, LATE_START_LAST) + 1, n_cust), 0
    )
    churn_lo, churn_hi = (days_between(ORDER_START, d) for d in CHURN_LAST_DAY)
    last = np.where(
        churned, rng.integers(churn_lo, churn_hi + 1, n_cust), days_between(ORDER_START, ORDER_END)
    )

    # Orders, numbered by date.
    cust = np.repeat(np.arange(n_cust), n_orders)
    span = last[cust] - first[cust] + 1
    day = first[cust] + np.floor(rng.random(cust.size) * span).astype(np.int64)
    channel = categorical(rng, _blend(CHANNEL_MIX_YOUNG, CHANNEL_MIX_OLD, _age_weight(age)), cust)
    n_lines = rng.choice(LINES_PER_ORDER, size=cust.size, p=LINES_PER_ORDER_P)
    by_date = np.lexsort((cust, day))
    cust, day, channel, n_lines = cust[by_date], day[by_date], channel[by_date], n_lines[by_date]

    # Lines.
    order, line_number = _explode(n_lines)
    line_cust = cust[order]
    category = categorical(rng, _category_mix(age, income, score), line_cust)
    cents = _amount_cents(rng, category, income[line_cust])
    line_day = day[order]
    line_channel = channel[order]
    date_code = np.zeros(order.size, dtype=np.int64)
    amount_code = np.zeros(order.size, dtype=np.int64)

    # Dirty lines, each kind on its own lines so every count is exact. Date faults go
    # on single-line orders so that an order keeps one date.
    dirt = scaled(ORDER_DIRT, n_cust)
    taken = np.zeros(order.size, dtype=bool)

    def pick(pool: np.ndarray, k: int) -> np.ndarray:
        chosen = rng.choice(pool[~taken[pool]], min(k, int((~taken[pool]).sum())), replace=False)
        taken[chosen] = True
        return chosen

    single = np.flatnonzero(n_lines[order] == 1)
    anywhere = np.arange(order.size)
    future = pick(single, dirt["future_date"])
    line_day[future] = days_between(ORDER_START, FUTURE_START) + rng.integers(
        0, days_between(FUTURE_START, FUTURE_END) + 1, future.size
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
    u_day = rng.integers(0, days_between(ORDER_START, ORDER_END) + 1, sizes.size)
    u_mix = np.tile(np.add(CHANNEL_MIX_YOUNG, CHANNEL_MIX_OLD), (sizes.size, 1))
    u_channel = categorical(rng, u_mix)
    mid_age = np.full(u_order.size, float(sum(MIX_AGE_RANGE)) / 2)
    no_money = np.zeros(u_order.size)
    u_category = categorical(rng, _category_mix(mid_age, no_money, no_money))
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
                pc.cast(dates(ORDER_START + days), pa.string()),
                stack(date_code, zeros)[shuffle],
                BAD_DATES,
            ),
            "product_category": strings(CATEGORIES, stack(category, u_category)[shuffle]),
            "amount_usd": _with_codes(
                money(stack(cents, u_cents)[shuffle]),
                stack(amount_code, zeros)[shuffle],
                BAD_AMOUNTS,
            ),
            "channel": strings(CHANNELS, stack(line_channel, u_channel[u_order])[shuffle]),
        },
        schema=ORDER_SCHEMA,
    )
    return table, first_order + n_main + sizes.size


def orders(
    customers: pd.DataFrame, seed: int = streams.DEFAULT_SEED, n_customers: int | None = None
) -> pd.DataFrame:
    """Order lines (with the documented dirty lines) for a shop customer file.

    Args:
        customers: Output of :func:`datagen.shop.shop_customers`.
        seed: Root seed; orders use stream ``ORDERS_STREAM`` of it.
        n_customers: Size of the full customer file, when ``customers`` is all of it
            this is ``len(customers)`` (the default).

    Returns:
        DataFrame with ``ORDER_COLUMNS``; every column is text except line_number,
        since order_date and amount_usd carry unparseable values.
    """
    n_customers = len(customers) if n_customers is None else n_customers
    tables: list[pa.Table] = []
    next_order = 1
    for block, attributes in enumerate(customer_blocks(customers)):
        table, next_order = order_block(seed, block, attributes, next_order, n_customers)
        tables.append(table)
    return pa.concat_tables(tables).to_pandas() if tables else empty_frame(ORDER_COLUMNS)

"""``loyalty_members.csv``: loyalty programme members among the shop customers.

About 40% of the shop customers, membership rate set by the customer's segment
(``ShopSegment.loyalty_rate``); the tier follows the spending score and the tenure.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from datagen import streams
from datagen.columns import dates, empty_frame, strings
from datagen.draws import days_between
from datagen.shop import SHOP_SEGMENTS, Customers, customer_blocks, shop_segments

LOYALTY_COLUMNS = ("customer_id", "joined_date", "tier")
LOYALTY_SCHEMA = pa.schema(
    [("customer_id", pa.string()), ("joined_date", pa.date32()), ("tier", pa.string())]
)
LOYALTY_START = np.datetime64("2019-01-01", "D")
LOYALTY_END = np.datetime64("2025-12-31", "D")
TIERS = ("Bronze", "Silver", "Gold")
# Tier points: 60% spending score, 40% tenure, plus noise; thresholds for Silver, Gold.
TIER_THRESHOLDS = (0.58, 0.78)
TIER_NOISE = 0.08


def loyalty_block(seed: int, block: int, customers: Customers) -> pa.Table:
    """Loyalty members among one block of customers."""
    rng = streams.rng(seed, streams.LOYALTY_STREAM, block)
    n = customers.age.size
    seg = shop_segments(customers.age, customers.income, customers.score)
    member = rng.random(n) < np.array([s.loyalty_rate for s in SHOP_SEGMENTS])[seg]
    span = days_between(LOYALTY_START, LOYALTY_END)
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
            "joined_date": dates(LOYALTY_START + joined[keep]),
            "tier": strings(TIERS, tier[keep]),
        },
        schema=LOYALTY_SCHEMA,
    )


def loyalty_members(customers: pd.DataFrame, seed: int = streams.DEFAULT_SEED) -> pd.DataFrame:
    """Loyalty programme members among the shop customers.

    Args:
        customers: Output of :func:`datagen.shop.shop_customers`.
        seed: Root seed; members use stream ``LOYALTY_STREAM`` of it.

    Returns:
        DataFrame with ``LOYALTY_COLUMNS`` (joined_date as ``datetime.date``).
    """
    tables = [
        loyalty_block(seed, block, attributes)
        for block, attributes in enumerate(customer_blocks(customers))
    ]
    return pa.concat_tables(tables).to_pandas() if tables else empty_frame(LOYALTY_COLUMNS)

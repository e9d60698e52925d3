"""Seeds, random streams and generation blocks: why output depends only on seed and size.

Every dataset draws from its own child of ``numpy.random.SeedSequence(seed)``;
large outputs are cut into fixed blocks (``SHOP_BLOCK_ROWS`` customers,
``ACTIVITY_BLOCK_CUSTOMERS`` customers for orders and loyalty) and block ``b`` of
stream ``s`` uses ``SeedSequence(seed, spawn_key=(s, b))``, the same state as
``SeedSequence(seed).spawn(...)[s].spawn(...)[b]``. Output therefore depends only on
the seed and the row count, never on the write chunk size, and the exact quirk
counts of each file are scaled to each block's length. ``scale --rows 2000
--with-orders`` reproduces the committed shop, order and loyalty seeds.

The other modules read the block sizes as attributes (``streams.SHOP_BLOCK_ROWS``),
never imported by name, so that a test can shrink them in this one place.
"""

from __future__ import annotations

import numpy as np

DEFAULT_SEED = 42

# Independent random streams (first element of every spawn_key).
MALL_STREAM = 0
SHOP_STREAM = 1
ORDERS_STREAM = 2
LOYALTY_STREAM = 3

# Fixed generation blocks (customers per random stream block), so output never
# depends on how it is written.
SHOP_BLOCK_ROWS = 1_000_000
ACTIVITY_BLOCK_CUSTOMERS = 100_000
# Customers handed out per table when writing: bounds memory, never changes the data.
DEFAULT_CHUNK_ROWS = 1_000_000


def rng(seed: int, *key: int) -> np.random.Generator:
    """Generator for stream ``key`` of ``seed`` (a SeedSequence spawn child)."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))

"""Files of any size, in bounded memory, and the four demo seed files.

The seeds are the scale output at ``SHOP_ROWS`` customers (with orders and loyalty) plus
the mall file, so ``scale --rows 2000 --with-orders`` reproduces three of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from datagen import streams
from datagen.loyalty import LOYALTY_SCHEMA, loyalty_block
from datagen.mall import mall_customers
from datagen.orders import ORDER_SCHEMA, order_block
from datagen.shop import SHOP_ROWS, SHOP_SCHEMA, customer_attributes, iter_shop_tables
from datagen.writers import TableSink, write_mall_csv


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
        attributes = customer_attributes(table)
        order_table, next_order = order_block(seed, block, attributes, next_order, n_customers)
        yield order_table, loyalty_block(seed, block, attributes)


def write_scale(
    out: str | Path,
    rows: int,
    fmt: str,
    seed: int = streams.DEFAULT_SEED,
    with_orders: bool = False,
    chunk_rows: int = streams.DEFAULT_CHUNK_ROWS,
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
            customers = iter_shop_tables(rows, seed, streams.ACTIVITY_BLOCK_CUSTOMERS)
            for order_table, loyalty_table in iter_activity_tables(customers, seed, rows):
                order_sink.write(order_table)
                loyalty_sink.write(loyalty_table)
        written[order_name] = order_sink.rows
        written[loyalty_name] = loyalty_sink.rows
    return written


def write_seeds(out: str | Path = "seeds", seed: int = streams.DEFAULT_SEED) -> dict[str, int]:
    """Write the four demo seed files into ``out``; returns rows per file name."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    mall = mall_customers(seed)
    write_mall_csv(mall, out / "mall_customers.csv")
    return {
        "mall_customers.csv": len(mall),
        **write_scale(out, SHOP_ROWS, "csv", seed, with_orders=True),
    }

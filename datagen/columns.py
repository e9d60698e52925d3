"""Arrow columns built from numpy arrays (vocabulary strings, IDs, dates, money), and the
empty DataFrame of a file without rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def strings(vocabulary: tuple[str, ...], idx: np.ndarray) -> pa.Array:
    """Arrow string array of ``vocabulary[idx]``; negative indices become null."""
    idx = np.asarray(idx, dtype=np.int64)
    return pa.array(vocabulary, pa.string()).take(pa.array(idx, mask=idx < 0))


def id_strings(start: int, stop: int) -> pa.Array:
    """Unpadded decimal IDs ``start .. stop - 1`` as strings."""
    return pc.cast(pa.array(np.arange(start, stop, dtype=np.int64)), pa.string())


def dates(days: np.ndarray) -> pa.Array:
    """Arrow date32 array from numpy ``datetime64[D]`` values."""
    return pa.array(days.astype("datetime64[D]"), pa.date32())


def money(cents: np.ndarray) -> pa.Array:
    """Format integer cents as ``-12.34`` style strings."""
    cents = np.asarray(cents, dtype=np.int64)
    absolute = np.abs(cents)
    whole = pc.cast(pa.array(absolute // 100), pa.string())
    frac = pc.utf8_lpad(pc.cast(pa.array(absolute % 100), pa.string()), 2, "0")
    sign = strings(("", "-"), (cents < 0).astype(np.int64))
    return pc.binary_join_element_wise(pc.binary_join_element_wise(sign, whole, ""), frac, ".")


def empty_frame(columns: tuple[str, ...]) -> pd.DataFrame:
    """An empty DataFrame with the given columns."""
    return pd.DataFrame({c: [] for c in columns})

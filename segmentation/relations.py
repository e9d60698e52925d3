"""Read-only DuckDB queries the dbt Python models use (the bounded sample is drawn in DuckDB)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    import duckdb


def customer_bases(featurized: duckdb.DuckDBPyRelation) -> list[str]:
    """Distinct ``customer_base`` values, sorted."""
    rows = featurized.project("customer_base").distinct().order("customer_base").fetchall()
    return [str(row[0]) for row in rows if row[0] is not None]


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _sql_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def draw_base_sample(
    featurized: duckdb.DuckDBPyRelation,
    customer_base: str,
    columns: Sequence[str],
    random_seed: int,
    sample_size: int,
) -> pd.DataFrame:
    """Bounded deterministic sample of one base, computed in DuckDB.

    Rows are ordered by ``hash(customer_id, random_seed)`` then ``customer_id``
    and the first ``sample_size`` are fetched, so only the sample ever reaches
    pandas; a base smaller than ``sample_size`` is used whole.
    """
    return (
        featurized.filter(f"customer_base = {_sql_string(customer_base)}")
        .project(", ".join(_sql_identifier(c) for c in columns))
        .order(f"hash(customer_id, {int(random_seed)}::BIGINT), customer_id")
        .limit(int(sample_size))
        .df()
    )


def chosen_k_by_base(diagnostics: duckdb.DuckDBPyRelation) -> dict[str, int]:
    """``{customer_base: k}`` of the rows flagged ``is_chosen_k``."""
    rows = (
        diagnostics.filter("is_chosen_k")
        .project("customer_base, k")
        .order("customer_base")
        .fetchall()
    )
    chosen: dict[str, int] = {}
    for base, k in rows:
        if base in chosen:
            raise ValueError(f"int_segment_diagnostics flags more than one chosen k for {base!r}")
        chosen[str(base)] = int(k)
    return chosen

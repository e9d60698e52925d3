"""Read-only DuckDB queries the dbt Python models use (the fitting sample is a SQL model)."""

from __future__ import annotations

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


def base_sample(samples: duckdb.DuckDBPyRelation, customer_base: str) -> pd.DataFrame:
    """One base's rows of ``int_segment_samples`` (the fitting sample, drawn in SQL), in
    customer id order; only the sample ever reaches pandas."""
    return samples.filter(f"customer_base = {_sql_string(customer_base)}").order("customer_id").df()


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

"""Scale smoke test: the whole build over generated files read in place (Parquet, a glob of
several files, CSV), with a small fitting sample and a tight DuckDB memory limit. The large
runs (1M to 100M customers) are `make bench`; see BENCHMARKS.md."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest
from conftest import PROJECT_DIR, Run, query, run_dbt
from sklearn.cluster import KMeans

ROWS = 200_000
SAMPLE = 20_000
#: The k diagnostics fit a subset of the sample; the chosen k is fitted on all of it.
DIAGNOSTICS_SAMPLE = 5_000
FEATURES = ["age", "annual_income_usd", "spending_score"]


@pytest.fixture(scope="module")
def scale_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """200k shop customers with their orders and loyalty members, as the generator writes
    them; the customers split into two Parquet files read through a glob."""
    folder = tmp_path_factory.mktemp("scale-data")
    subprocess.run(
        [sys.executable, str(PROJECT_DIR / "scripts" / "generate_data.py"), "scale",
         "--rows", str(ROWS), "--format", "parquet", "--out", str(folder), "--with-orders"],
        check=True,
        capture_output=True,
    )  # fmt: skip
    customers = folder / "shop_customers.parquet"
    parts = folder / "customers"
    parts.mkdir()
    with duckdb.connect() as connection:
        for part, half in enumerate(["<", ">="]):
            connection.execute(
                f"copy (select * from read_parquet('{customers}') "
                f"where hash(CustomerID) % 2 {half} 1) to '{parts / f'part-{part}.parquet'}'"
            )
    customers.unlink()
    return folder


@pytest.fixture(scope="module")
def scale_build(scale_files: Path, tmp_path_factory: pytest.TempPathFactory) -> Run:
    work = tmp_path_factory.mktemp("scale-build")
    run = run_dbt(
        ["build"],
        work,
        dbt_vars={
            "shop_customers_path": str(scale_files / "customers" / "part-*.parquet"),
            "orders_path": str(scale_files / "orders.parquet"),
            "loyalty_members_path": str(scale_files / "loyalty_members.parquet"),
            "segment_k": 5,
            "segment_sample_size": SAMPLE,
            "diagnostics_sample_size": DIAGNOSTICS_SAMPLE,
        },
        extra_env={"SEGMENTS_MEMORY_LIMIT": "300MB"},
    )
    assert run.ok, run.output[-4000:]
    return run


def test_every_row_of_every_file_is_accounted_for(scale_build: Run) -> None:
    counts = dict(
        query(
            scale_build.build_db,
            "select source_name, raw_row_count from source_row_counts "
            "where source_name = 'shop_customers'",
        )
    )
    assert counts == {"shop_customers": ROWS}
    [(raw, passed, rejected)] = query(
        scale_build.build_db,
        "select raw_row_count, passing_row_count, rejected_row_count from source_row_counts "
        "where source_name = 'shop_customers'",
    )
    assert passed + rejected == raw and rejected > 0
    [(segmented,)] = query(
        scale_build.build_db,
        "select count(*) from customer_segments where customer_base = 'shop'",
    )
    assert segmented == passed


def test_the_fit_uses_the_bounded_sample(scale_build: Run) -> None:
    [(sampled,)] = query(
        scale_build.build_db,
        "select count(*) from int_segment_samples where customer_base = 'shop'",
    )
    assert sampled == SAMPLE
    sizes = query(
        scale_build.build_db,
        "select distinct sample_row_count from segment_diagnostics where customer_base = 'shop'",
    )
    assert sizes == [(DIAGNOSTICS_SAMPLE,)]


def test_sample_fit_is_as_good_as_fitting_every_customer(scale_build: Run) -> None:
    """Inertia of our assignment of every customer within 1% of KMeans on all of them."""
    with duckdb.connect(str(scale_build.build_db), read_only=True) as connection:
        z = ", ".join(f"{feature}_z" for feature in FEATURES)
        X = connection.sql(
            f"select {z} from int_customers_featurized where customer_base = 'shop' "
            "order by customer_id"
        ).fetchnumpy()
        X = np.column_stack([X[f"{feature}_z"] for feature in FEATURES])
        [(ours,)] = connection.sql(
            "select sum(distance_to_centroid ^ 2) from customer_segments "
            "where customer_base = 'shop'"
        ).fetchall()
    full = KMeans(n_clusters=5, n_init=10, random_state=42).fit(X).inertia_
    assert ours == pytest.approx(full, rel=0.01)
    assert len(X) > 100_000


def test_memory_stays_within_the_limit_given(scale_build: Run) -> None:
    """DuckDB held to 300 MB, the dbt process (Python models included) stays under 1 GB."""
    assert scale_build.peak_mb is not None
    assert scale_build.peak_mb < 1024, scale_build.peak_mb

"""The contenders the benchmark measures besides our build, each run in its own process:
DuckDB reading the file alone, the hand-written floor, and the notebook approach."""

from __future__ import annotations

import json
import time
from pathlib import Path

from benchmark.settings import (
    FEATURES,
    ID_COLUMN,
    MAX_AGE,
    MAX_FAMILY_SIZE,
    MAX_INCOME,
    MAX_SCORE,
    MIN_AGE,
    MIN_SCORE,
    MIN_WORKING_AGE,
)

# --------------------------------------------------------------------------
# The notebook approach (run as `bench.py notebook ...` in its own process)
# --------------------------------------------------------------------------


def run_notebook(
    source: str, fmt: str, k: int, n_init: int, seed: int, out: Path, output: str = "parquet"
) -> None:
    """Read the file with pandas, clean, standardise, fit KMeans on all rows, write labels.

    ``output="csv"`` writes the valid customers with their cluster back to CSV, as a notebook
    hands its result on; ``"parquet"`` writes only the ids and clusters, to Parquet.
    """
    import pandas as pd
    from sklearn.cluster import KMeans
    from sklearn.preprocessing import StandardScaler

    started = time.perf_counter()
    df = pd.read_csv(source) if fmt == "csv" else pd.read_parquet(source)
    read_seconds = time.perf_counter() - started

    numbers = {
        c: pd.to_numeric(df[c], errors="coerce")
        for c in (*FEATURES, "Work Experience", "Family Size")
    }
    age, income, score = (numbers[c] for c in FEATURES)
    work, family = numbers["Work Experience"], numbers["Family Size"]
    valid = (
        df[ID_COLUMN].notna()
        & age.between(MIN_AGE, MAX_AGE)
        & (income > 0)
        & (income <= MAX_INCOME)
        & score.between(MIN_SCORE, MAX_SCORE)
        & ~((work < 0) | (work > age - MIN_WORKING_AGE))
        & ~((family < 1) | (family > MAX_FAMILY_SIZE))
        & ~df[ID_COLUMN].duplicated(keep=False)
    )
    customers = pd.DataFrame({c: numbers[c][valid] for c in FEATURES})
    ids = df.loc[valid, ID_COLUMN].astype(str)
    del df, numbers, age, income, score, work, family, valid

    scaler = StandardScaler()
    X = scaler.fit_transform(customers)
    started_fit = time.perf_counter()
    model = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(X)
    fit_seconds = time.perf_counter() - started_fit

    out.mkdir(parents=True, exist_ok=True)
    if output == "csv":
        customers.insert(0, ID_COLUMN, ids.to_numpy())
        customers["Cluster"] = model.labels_ + 1
        customers.to_csv(out / "customers.csv", index=False)
    else:
        pd.DataFrame({"customer_id": ids.to_numpy(), "segment": model.labels_ + 1}).to_parquet(
            out / "assignments.parquet", index=False
        )
    details = {
        "rows": len(X),
        "mean": scaler.mean_.tolist(),
        "scale": scaler.scale_.tolist(),
        "centroids": model.cluster_centers_.tolist(),
        "inertia": float(model.inertia_),
        "iterations": int(model.n_iter_),
        "read_seconds": read_seconds,
        "fit_seconds": fit_seconds,
    }
    (out / "notebook.json").write_text(json.dumps(details, indent=2))


# --------------------------------------------------------------------------
# The floor: DuckDB and scikit-learn by hand (run as `bench.py floor ...`)
# --------------------------------------------------------------------------


def floor_sql(source: str, fmt: str) -> dict[str, str]:
    """The floor's statements: typed valid customers, z-scores, the sample, the assignment."""
    number = {
        name: f"try_cast(nullif(trim(\"{column}\"), '') as double)"
        for name, column in (
            ("age", FEATURES[0]),
            ("income", FEATURES[1]),
            ("score", FEATURES[2]),
            ("work", "Work Experience"),
            ("family", "Family Size"),
        )
    }
    text = {name: f'nullif(trim("{column}"), \'\')' for name, column in (
        ("work", "Work Experience"), ("family", "Family Size"))}  # fmt: skip
    return {
        "customers": f"""
            create table customers as
            with typed as (
                select
                    nullif(trim("{ID_COLUMN}"), '') as customer_id,
                    {", ".join(f"{sql} as {name}" for name, sql in number.items())},
                    {", ".join(f"{sql} as {name}_text" for name, sql in text.items())}
                from {reader_sql(source, fmt)}
            ),
            duplicated as (
                select customer_id from typed where customer_id is not null
                group by customer_id having count(*) > 1
            )
            select customer_id, age, income, score
            from typed
            where customer_id is not null
                and age between {MIN_AGE} and {MAX_AGE}
                and income > 0 and income <= {MAX_INCOME}
                and score between {MIN_SCORE} and {MAX_SCORE}
                and (work_text is null or work between 0 and age - {MIN_WORKING_AGE})
                and (family_text is null or family between 1 and {MAX_FAMILY_SIZE})
                and customer_id not in (select customer_id from duplicated)
        """,
        "statistics": """
            select avg(age), stddev_pop(age), avg(income), stddev_pop(income),
                avg(score), stddev_pop(score)
            from customers
        """,
        "sample": """
            select customer_id, [(age - $1) / $2, (income - $3) / $4, (score - $5) / $6]
            from customers
            order by hash(customer_id, $7::bigint), customer_id
            limit $8
        """,
        "assign": """
            create table assignments as
            with distances as (
                select
                    customer_id,
                    list_transform(
                        $centroids::double[][],
                        lambda centroid: list_distance(
                            [(age - $m1) / $s1, (income - $m2) / $s2, (score - $m3) / $s3],
                            centroid
                        )
                    ) as distances
                from customers
            )
            select
                customer_id,
                list_position(distances, list_min(distances)) as segment,
                list_min(distances) as distance_to_centroid
            from distances
        """,
    }


def run_floor(
    source: str,
    fmt: str,
    k: int,
    n_init: int,
    seed: int,
    sample_size: int,
    memory_limit: str,
    threads: int,
    out: Path,
) -> None:
    """Read, validate, fit on the bounded sample, assign everyone in SQL: no dbt, no tests."""
    import duckdb
    import numpy as np

    from segmentation.fitting import fit_segments

    statements = floor_sql(source, fmt)
    out.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(out / "floor.duckdb")) as connection:
        connection.execute(f"set memory_limit = '{memory_limit}'")
        connection.execute(f"set threads = {int(threads)}")
        connection.execute(statements["customers"])
        statistics = connection.execute(statements["statistics"]).fetchone()
        sample = connection.execute(
            statements["sample"], [*statistics, int(seed), int(sample_size)]
        ).fetchall()
        X = np.array([vector for _, vector in sorted(sample)], dtype=np.float64)
        fit = fit_segments(X, k, seed, n_init)
        means, scales = statistics[0::2], statistics[1::2]
        connection.execute(
            statements["assign"],
            {
                "centroids": fit.centroids.tolist(),
                **{f"m{i + 1}": float(v) for i, v in enumerate(means)},
                **{f"s{i + 1}": float(v) for i, v in enumerate(scales)},
            },
        )
        rows = connection.execute("select count(*) from assignments").fetchone()[0]
    print(json.dumps({"rows": rows, "sample_rows": len(X)}))


# --------------------------------------------------------------------------
# DuckDB reading the file alone (run as `bench.py read ...` in its own process)
# --------------------------------------------------------------------------


def reader_sql(source: str, fmt: str) -> str:
    """The table function the staging model uses for a user's file."""
    if fmt == "parquet":
        return f"read_parquet('{source}')"
    return (
        f"read_csv('{source}', header = true, all_varchar = true, auto_detect = true, "
        "strict_mode = false)"
    )


def run_read(source: str, fmt: str, memory_limit: str, threads: int) -> None:
    """One pass over the file: row count and the mean of each feature."""
    import duckdb

    means = ", ".join(f'avg(try_cast("{c}" as double))' for c in FEATURES)
    with duckdb.connect() as connection:
        connection.execute(f"set memory_limit = '{memory_limit}'")
        connection.execute(f"set threads = {int(threads)}")
        row = connection.execute(
            f"select count(*), {means} from {reader_sql(source, fmt)}"
        ).fetchall()[0]
    print(json.dumps({"rows": row[0], "means": row[1:]}))

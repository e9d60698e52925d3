"""Benchmark: the whole `dbt build` against the notebook approach, on the same generated file.

For every size N (``--sizes``), on one generated shop customer file:

``read``
    DuckDB reading the file alone: one ``count(*)`` and the means of the three features
    over the file read as text (``all_varchar``), as the staging model reads it. This is the
    floor for anything that looks at every row once.
``floor``
    A short hand-written DuckDB + scikit-learn script, without dbt or tests: it reads the
    file, applies the same rules in SQL, fits the engine's ``fit_segments`` on the same
    bounded sample and assigns every customer to its nearest centroid in SQL. What our
    build could take at best on this machine.
``notebook_csv`` and ``notebook``
    What a notebook does: pandas ``read_csv`` (or ``read_parquet``), the same validation
    rules as the pipeline as pandas filters, ``StandardScaler``, scikit-learn ``KMeans`` with
    the same k, ``n_init`` and seed on all valid rows; the customers with their cluster
    written back to CSV (``notebook_csv``), or, leaner, only the ids and clusters to Parquet
    (``notebook``).
``pipeline``
    Our whole ``dbt build`` (seeds, every model, the Python models, every data and unit test)
    with ``shop_customers_path`` pointing at the file and ``segment_k`` fixed to the same k.

Each runs in a fresh subprocess (``nice -n 10``) while the parent samples the resident
memory (VmRSS) of the process and all its descendants every 50 ms; the peak of that sum is
reported, together with the kernel's high-water mark of the largest single process, the
wall time and the CPU time. Quality compares the two assignments over every valid row:
the inertia of our assignment (squared distances to our published centroids, in the
notebook's standardised space) relative to the full fit's, and the adjusted Rand index.

Results go to BENCHMARKS.md (``--out``) with the machine, the method and the profile of
the largest pipeline run. The raw results are kept inside that file, so a later run for
other sizes (e.g. ``--sizes 100000000 --skip-notebook``) adds rows instead of erasing them.

Usage:
    python scripts/bench.py [--sizes 1000000,10000000] [--format csv|parquet] [--k 5]
        [--skip-notebook] [--keep] [--fresh] [--work bench] [--out BENCHMARKS.md]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[1]
GENERATOR = PROJECT_DIR / "scripts" / "generate_data.py"
SEGMENTATION_MODELS = PROJECT_DIR / "models" / "intermediate" / "segmentation"
DEFAULT_SIZES = (1_000_000, 10_000_000)
FEATURES = ("Age", "Annual Income ($)", "Spending Score (1-100)")
ID_COLUMN = "CustomerID"
SAMPLE_SECONDS = 0.05
NICENESS = 10
RESULTS_MARKER = "<!-- bench-results"
# The pipeline's validation rules (dbt_project.yml vars), applied by the notebook too so
# that both segment exactly the same rows.
MIN_AGE, MAX_AGE = 18, 100
MIN_WORKING_AGE = 14
MAX_FAMILY_SIZE = 20
MIN_SCORE, MAX_SCORE = 1, 100
MAX_INCOME = 10_000_000


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


# --------------------------------------------------------------------------
# Measuring a process tree
# --------------------------------------------------------------------------


@dataclass
class Measurement:
    """Wall time, memory and CPU of one command's process tree."""

    command: str
    returncode: int
    wall_seconds: float
    peak_tree_rss_mb: float
    max_process_hwm_mb: float
    cpu_seconds: float
    load_before: float
    load_after: float
    #: (seconds since start, tree RSS in MB) about every second, for finding the peak.
    timeline: list[tuple[float, float]] = field(default_factory=list, repr=False)

    @property
    def peak_mb(self) -> float:
        """The larger of the sampled tree peak and the largest process's high-water mark."""
        return max(self.peak_tree_rss_mb, self.max_process_hwm_mb)


def _parent_map() -> dict[int, int]:
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # The command name may contain spaces and parentheses: fields follow the last ')'.
        fields = stat[stat.rfind(b")") + 2 :].split()
        parents[int(entry)] = int(fields[1])
    return parents


def _tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for pid, ppid in _parent_map().items():
        children.setdefault(ppid, []).append(pid)
    pids, stack = [], [root]
    while stack:
        pid = stack.pop()
        pids.append(pid)
        stack.extend(children.get(pid, []))
    return pids


def _status_kb(pid: int, keys: tuple[str, ...]) -> dict[str, int]:
    values = {}
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                name, _, rest = line.partition(":")
                if name in keys:
                    values[name] = int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return values


def _load() -> float:
    with open("/proc/loadavg") as handle:
        return float(handle.read().split()[0])


def measure(command: list[str], *, env: dict[str, str], log: Path) -> Measurement:
    """Run `command` at low priority, sampling the tree's resident memory until it exits."""
    load_before = _load()
    log.parent.mkdir(parents=True, exist_ok=True)
    peak_tree = 0
    hwm: dict[int, int] = {}
    timeline: list[tuple[float, float]] = []
    with log.open("w") as output:
        started = time.perf_counter()
        process = subprocess.Popen(
            ["nice", "-n", str(NICENESS), *command],
            cwd=PROJECT_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        finished = threading.Event()
        result: dict[str, Any] = {}

        def reap() -> None:
            _, status, usage = os.wait4(process.pid, 0)
            result["wall"] = time.perf_counter() - started
            result["status"] = os.waitstatus_to_exitcode(status)
            result["usage"] = usage
            finished.set()

        reaper = threading.Thread(target=reap, daemon=True)
        reaper.start()
        while not finished.is_set():
            total = 0
            for pid in _tree(process.pid):
                values = _status_kb(pid, ("VmRSS", "VmHWM"))
                total += values.get("VmRSS", 0)
                hwm[pid] = max(hwm.get(pid, 0), values.get("VmHWM", 0))
            peak_tree = max(peak_tree, total)
            now = time.perf_counter() - started
            if not timeline or now - timeline[-1][0] >= 1.0:
                timeline.append((round(now, 1), round(total / 1024)))
            finished.wait(SAMPLE_SECONDS)
        reaper.join()
        process.returncode = result["status"]
    usage = result["usage"]
    return Measurement(
        command=" ".join(command),
        returncode=result["status"],
        wall_seconds=result["wall"],
        peak_tree_rss_mb=peak_tree / 1024,
        # ru_maxrss (KiB) covers the child and the descendants it waited for.
        max_process_hwm_mb=max([usage.ru_maxrss, *hwm.values()]) / 1024,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        load_before=load_before,
        load_after=_load(),
        timeline=timeline,
    )


# --------------------------------------------------------------------------
# One size
# --------------------------------------------------------------------------


@dataclass
class SizeResult:
    """Everything measured at one size and format."""

    rows: int
    fmt: str
    k: int
    measured_at: str
    file_mb: float
    generate_seconds: float
    read: dict[str, Any] | None = None
    floor: dict[str, Any] | None = None
    notebook_csv: dict[str, Any] | None = None
    notebook: dict[str, Any] | None = None
    pipeline: dict[str, Any] | None = None
    quality: dict[str, Any] | None = None
    profile: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)


def _as_dict(m: Measurement) -> dict[str, Any]:
    values = asdict(m)
    del values["timeline"]
    return {**values, "peak_mb": m.peak_mb}


def _label(rows: int) -> str:
    for unit, div in (("B", 1_000_000_000), ("M", 1_000_000), ("k", 1_000)):
        if rows >= div and rows % div == 0:
            return f"{rows // div}{unit}"
    return str(rows)


def generate(rows: int, fmt: str, data_dir: Path) -> tuple[Path, float]:
    """The shop customer file of `rows` rows (the generator is deterministic: reused if present)."""
    path = data_dir / f"shop_customers.{fmt}"
    done = data_dir / ".complete"
    if path.exists() and done.exists() and done.read_text().strip() == str(rows):
        return path, 0.0
    data_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(GENERATOR), "scale", "--rows", str(rows), "--format", fmt,
         "--out", str(data_dir)],
        check=True,
        cwd=PROJECT_DIR,
    )  # fmt: skip
    done.write_text(str(rows))
    return path, time.perf_counter() - started


def dbt_environment(work: Path) -> dict[str, str]:
    """The environment of `make`: profiles from the project; database, target and logs in work."""
    return {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "DBT_PROFILES_DIR": str(PROJECT_DIR),
        "DBT_PROJECT_DIR": str(PROJECT_DIR),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_TARGET_PATH": str(work / "target"),
        "DBT_LOG_PATH": str(work / "logs"),
        "SEGMENTS_DB_PATH": str(work / "build.duckdb"),
    }


def dbt_executable() -> str:
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def profile_of(target: Path, wall_seconds: float) -> dict[str, Any]:
    """Where the build's time went, from dbt's run_results.json."""
    results = json.loads((target / "run_results.json").read_text())
    by_kind: dict[str, float] = {}
    nodes = []
    for node in results["results"]:
        unique_id = node["unique_id"]
        kind = unique_id.split(".", 1)[0]
        if kind == "model":
            python_model = SEGMENTATION_MODELS / f"{unique_id.rsplit('.', 1)[1]}.py"
            kind = "python model" if python_model.exists() else "SQL model"
        elif kind == "test":
            kind = "data test"
        elif kind == "unit_test":
            kind = "unit test"
        by_kind[kind] = by_kind.get(kind, 0.0) + node["execution_time"]
        nodes.append((node["execution_time"], unique_id.split(".", 2)[-1], kind))
    nodes.sort(reverse=True)
    elapsed = float(results["elapsed_time"])
    return {
        "elapsed_seconds": elapsed,
        "startup_seconds": max(wall_seconds - elapsed, 0.0),
        "node_count": len(nodes),
        "by_kind": by_kind,
        "top_nodes": [{"seconds": t, "node": n, "kind": k} for t, n, k in nodes[:12]],
    }


def quality(database: Path, notebook_dir: Path) -> dict[str, Any]:
    """Our assignment against the full fit, over every valid row."""
    import duckdb
    import numpy as np
    from sklearn.metrics import adjusted_rand_score

    details = json.loads((notebook_dir / "notebook.json").read_text())
    mean, scale = details["mean"], details["scale"]
    full_centroids = np.asarray(details["centroids"])
    features = ("age", "annual_income_usd", "spending_score")
    with duckdb.connect() as connection:
        connection.execute(f"attach '{database}' as built (read_only)")
        connection.execute("set threads = 2")
        ours = connection.sql(
            "select segment_id, feature_name, centroid_raw from built.segment_centroids "
            "where customer_base = 'shop' order by segment_id, feature_position"
        ).fetchall()
        k = max(row[0] for row in ours)
        raw = {(row[0], row[1]): row[2] for row in ours}
        # Our centroids in the notebook's standardised space.
        our_centroids = np.array(
            [[(raw[(s, f)] - mean[i]) / scale[i] for i, f in enumerate(features)]
             for s in range(1, k + 1)]
        )  # fmt: skip
        z = ", ".join(f"({f} - {mean[i]!r}) / {scale[i]!r} as z{i}" for i, f in enumerate(features))
        connection.execute(
            f"""
            create temp table joined as
            select segments.segment_id as ours, notebook.segment as full_fit, {z}
            from built.customer_segments as segments
            inner join read_parquet('{notebook_dir / "assignments.parquet"}') as notebook
                on segments.customer_id = notebook.customer_id
            where segments.customer_base = 'shop'
            """
        )
        ours_rows = connection.execute(
            "select count(*) from built.customer_segments where customer_base = 'shop'"
        ).fetchall()[0][0]

        def inertia(column: str, centroids: np.ndarray) -> float:
            cases = []
            for i in range(len(features)):
                whens = " ".join(
                    f"when {s + 1} then {float(centroids[s, i])!r}" for s in range(len(centroids))
                )
                cases.append(f"power(z{i} - case {column} {whens} end, 2)")
            sql = f"select sum({' + '.join(cases)}) from joined"
            return float(connection.execute(sql).fetchall()[0][0])

        ours_inertia = inertia("ours", our_centroids)
        full_inertia = inertia("full_fit", full_centroids)
        joined_rows = connection.execute("select count(*) from joined").fetchall()[0][0]
        labels = connection.sql("select ours, full_fit from joined").fetchnumpy()
    ari = adjusted_rand_score(labels["full_fit"], labels["ours"])
    return {
        "notebook_rows": details["rows"],
        "pipeline_rows": ours_rows,
        "joined_rows": joined_rows,
        "inertia_ours": ours_inertia,
        "inertia_full_fit": full_inertia,
        "inertia_sklearn": details["inertia"],
        "inertia_ratio": ours_inertia / full_inertia,
        "ari": float(ari),
        "ari_rows": len(labels["ours"]),
        "centroid_max_abs_difference": _matched_centroid_difference(our_centroids, full_centroids),
    }


def _matched_centroid_difference(ours: Any, full: Any) -> float:
    """Largest coordinate difference between matched centroids (z units), best matching."""
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    cost = ((ours[:, None, :] - full[None, :, :]) ** 2).sum(axis=2)
    rows, cols = linear_sum_assignment(cost)
    return float(np.abs(ours[rows] - full[cols]).max())


def bench_size(rows: int, args: argparse.Namespace) -> SizeResult:
    """Generate, then read, notebook and pipeline one after the other; quality; clean up."""
    label = _label(rows)
    work = args.work / f"{label}-{args.format}"
    data_dir = args.work / "data" / f"{label}-{args.format}"
    print(f"[{label}] generating {rows:,} shop customers ({args.format}) ...", flush=True)
    source, generate_seconds = generate(rows, args.format, data_dir)
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    result = SizeResult(
        rows=rows,
        fmt=args.format,
        k=args.k,
        measured_at=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        file_mb=source.stat().st_size / 2**20,
        generate_seconds=generate_seconds,
    )
    env = dbt_environment(work)
    # DuckDB's memory limit for our build (and the read baseline): the 1 GB target is for the
    # whole process tree, dbt and the Python models included.
    env["SEGMENTS_MEMORY_LIMIT"] = memory_limit = args.memory_limit
    result.notes.append(f"our build and the read ran with SEGMENTS_MEMORY_LIMIT={memory_limit}")
    threads = int(env.get("SEGMENTS_DUCKDB_THREADS", env.get("SEGMENTS_THREADS", "2")))

    print(f"[{label}] DuckDB reading the file alone ...", flush=True)
    read = measure(
        [sys.executable, __file__, "read", str(source), "--format", args.format,
         "--memory-limit", memory_limit, "--threads", str(threads)],
        env=env,
        log=work / "read.log",
    )  # fmt: skip
    result.read = _as_dict(read)
    _check(read, work / "read.log")

    print(f"[{label}] the floor: DuckDB and scikit-learn by hand ...", flush=True)
    floor = measure(
        [sys.executable, __file__, "floor", str(source), "--format", args.format,
         "--k", str(args.k), "--n-init", str(args.n_init), "--seed", str(args.seed),
         "--sample-size", str(FLOOR_SAMPLE_SIZE), "--memory-limit", memory_limit,
         "--threads", str(threads), "--out", str(work / "floor")],
        env=env,
        log=work / "floor.log",
    )  # fmt: skip
    result.floor = _as_dict(floor)
    _check(floor, work / "floor.log")

    if args.skip_notebook:
        result.notes.append("notebook approach skipped (--skip-notebook)")
    else:
        for output, key in (("csv", "notebook_csv"), ("parquet", "notebook")):
            print(f"[{label}] notebook approach, {output} out ...", flush=True)
            folder = work / f"notebook-{output}"
            notebook = measure(
                [sys.executable, __file__, "notebook", str(source), "--format", args.format,
                 "--k", str(args.k), "--n-init", str(args.n_init), "--seed", str(args.seed),
                 "--output", output, "--out", str(folder)],
                env=env,
                log=work / f"notebook-{output}.log",
            )  # fmt: skip
            measured = _as_dict(notebook)
            if notebook.returncode == 0:
                details = json.loads((folder / "notebook.json").read_text())
                measured.update(
                    read_seconds=details["read_seconds"], fit_seconds=details["fit_seconds"]
                )
            else:
                result.notes.append(f"notebook ({output} out) failed (exit {notebook.returncode})")
                print((work / f"notebook-{output}.log").read_text()[-3000:], file=sys.stderr)
            setattr(result, key, measured)

    print(f"[{label}] our dbt build ...", flush=True)
    dbt_vars = {"shop_customers_path": str(source), "segment_k": args.k}
    pipeline = measure(
        [dbt_executable(), "build", "--vars", json.dumps(dbt_vars)],
        env=env,
        log=work / "dbt.log",
    )
    result.pipeline = _as_dict(pipeline)
    _check(pipeline, work / "dbt.log")
    result.profile = profile_of(work / "target", pipeline.wall_seconds)

    if result.notebook and result.notebook["returncode"] == 0:
        print(f"[{label}] quality ...", flush=True)
        result.quality = quality(work / "build.duckdb", work / "notebook-parquet")
    print(f"[{label}] {summary_line(result)}", flush=True)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(data_dir, ignore_errors=True)
    return result


DEFAULT_MEMORY_LIMIT = "400MB"
#: The floor fits on the same bounded sample as our build (var segment_sample_size).
FLOOR_SAMPLE_SIZE = 100_000


def _check(measurement: Measurement, log: Path) -> None:
    if measurement.returncode != 0:
        print(log.read_text()[-5000:], file=sys.stderr)
        raise SystemExit(f"failed (exit {measurement.returncode}): {measurement.command}")


def summary_line(result: SizeResult) -> str:
    parts = [f"read {result.read['wall_seconds']:.1f}s"] if result.read else []
    for name, m in (("floor", result.floor), ("notebook csv", result.notebook_csv),
                    ("notebook parquet", result.notebook)):  # fmt: skip
        if m:
            parts.append(f"{name} {m['wall_seconds']:.1f}s {m['peak_mb']:.0f}MB")
    if result.pipeline:
        pl = result.pipeline
        parts.append(f"pipeline {pl['wall_seconds']:.1f}s {pl['peak_mb']:.0f}MB")
    if result.quality:
        q = result.quality
        parts.append(f"inertia x{q['inertia_ratio']:.5f} ARI {q['ari']:.4f}")
    return ", ".join(parts)


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    """CPU, cores, memory and the versions that matter."""
    import duckdb
    import pandas
    import sklearn

    cpu = "unknown"
    with open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as handle:
        total_kb = int(handle.readline().split()[1])
    dbt_version = subprocess.run(
        [dbt_executable(), "--version"], capture_output=True, text=True, check=False
    ).stdout
    core = next((ln.split(":")[1].strip() for ln in dbt_version.splitlines() if "installed" in ln),
                "?")  # fmt: skip
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(total_kb / 2**20, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "dbt_core": core,
        "pandas": pandas.__version__,
        "scikit_learn": sklearn.__version__,
    }


def load_previous(out: Path) -> dict[str, Any]:
    """The raw results (machine, command, results) kept inside a previous BENCHMARKS.md."""
    if not out.exists():
        return {"results": []}
    text = out.read_text()
    start = text.find(RESULTS_MARKER)
    if start < 0:
        return {"results": []}
    body = text[start + len(RESULTS_MARKER) : text.find("-->", start)]
    try:
        kept = json.loads(body)
    except ValueError:
        return {"results": []}
    return kept if isinstance(kept.get("results"), list) else {"results": []}


def _fmt_seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:,.1f}"


def _fmt_mb(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def _ok(measured: dict[str, Any] | None) -> bool:
    return bool(measured) and measured["returncode"] == 0


def _ratio(ours: dict[str, Any] | None, other: dict[str, Any] | None) -> str:
    return f"{ours['wall_seconds'] / other['wall_seconds']:.2f}" if ours and _ok(other) else "-"


#: The contenders of the results table: (key in a result, heading).
CONTENDERS = (
    ("read", "read"),
    ("floor", "floor"),
    ("notebook_csv", "notebook, CSV out"),
    ("notebook", "notebook, Parquet out"),
    ("pipeline", "dbt build"),
)


def render(results: list[dict[str, Any]], host: dict[str, Any], args_line: str) -> str:
    """BENCHMARKS.md."""
    results = sorted(results, key=lambda r: (r["fmt"], r["rows"]))
    lines = [
        "# Benchmarks",
        "",
        "Our whole `dbt build` against the notebook approach and against what DuckDB and",
        "scikit-learn allow by hand, side by side on the same generated file. Regenerate with",
        f"`make bench` (last run: `{args_line}`).",
        "",
        "## Machine",
        "",
        f"- CPU: {host['cpu']}, {host['cores']} cores; memory {host['memory_gb']} GB; "
        f"Linux {host['kernel']}",
        f"- Python {host['python']}, DuckDB {host['duckdb']}, dbt-core {host['dbt_core']}, "
        f"pandas {host['pandas']}, scikit-learn {host['scikit_learn']}",
        "",
        "## Results",
        "",
        "Wall time in seconds (peak memory in MB: resident memory of the whole process tree).",
        "`read` is DuckDB reading the file alone; `floor` the hand-written DuckDB + scikit-learn",
        "script; ratios are our build's wall time / the other's.",
        "",
        "| customers | format | "
        + " | ".join(heading for _, heading in CONTENDERS)
        + " | / notebook CSV | / notebook Parquet | / floor | inertia vs full fit | ARI | load |",
        "|---:|:--|" + "---:|" * (len(CONTENDERS) + 6),
    ]
    for r in results:
        pl, q = r.get("pipeline"), r.get("quality")
        cells = []
        for key, _ in CONTENDERS:
            m = r.get(key)
            cells.append(
                f"{_fmt_seconds(m['wall_seconds'])} ({_fmt_mb(m['peak_mb'])})"
                if _ok(m)
                else ("failed" if m else "skipped")
            )
        inertia = f"{100 * (q['inertia_ratio'] - 1):+.3f}%" if q else "-"
        ari = f"{q['ari']:.4f}" if q else "-"
        loads = [r[key]["load_before"] for key, _ in CONTENDERS if r.get(key)]
        lines.append(
            f"| {r['rows']:,} | {r['fmt']} | {' | '.join(cells)} "
            f"| {_ratio(pl, r.get('notebook_csv'))} | {_ratio(pl, r.get('notebook'))} "
            f"| {_ratio(pl, r.get('floor'))} | {inertia} | {ari} | {max(loads):.1f} |"
        )
    lines += [
        "",
        "`load` is the highest 1-minute load average seen when one of the runs started "
        "(2 cores: above 2 the machine was shared with other work).",
        "",
        "### Details",
        "",
        "| customers | format | measured | file MB | notebook read s | notebook fit s "
        "| notebook CPU s | floor CPU s | dbt CPU s | full-fit inertia | our inertia | ARI rows |",
        "|---:|:--|:--|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        nb, fl, pl, q = r.get("notebook"), r.get("floor"), r.get("pipeline"), r.get("quality")
        nb_ok = _ok(nb)
        lines.append(
            f"| {r['rows']:,} | {r['fmt']} | {r['measured_at']} | {r['file_mb']:,.0f} "
            f"| {_fmt_seconds(nb.get('read_seconds')) if nb_ok else '-'} "
            f"| {_fmt_seconds(nb.get('fit_seconds')) if nb_ok else '-'} "
            f"| {_fmt_seconds(nb['cpu_seconds']) if nb_ok else '-'} "
            f"| {_fmt_seconds(fl['cpu_seconds']) if _ok(fl) else '-'} "
            f"| {_fmt_seconds(pl['cpu_seconds']) if pl else '-'} "
            + (
                f"| {q['inertia_full_fit']:,.0f} | {q['inertia_ours']:,.0f} | {q['ari_rows']:,} |"
                if q
                else "| - | - | - |"
            )
        )
    notes = [n for r in results for n in (f"{_label(r['rows'])}: {x}" for x in r["notes"])]
    if notes:
        lines += ["", *[f"- {n}" for n in notes]]

    profiled = [r for r in results if r.get("profile")]
    if profiled:
        lines += ["", "## Profile", ""]
        for r in profiled[-1:]:
            p, pl = r["profile"], r["pipeline"]
            lines += [
                f"Where the time of the {r['rows']:,}-customer `dbt build` ({r['fmt']}) went: "
                f"{pl['wall_seconds']:.1f} s wall, of which {p['startup_seconds']:.1f} s dbt "
                f"start-up and parsing and {p['elapsed_seconds']:.1f} s running "
                f"{p['node_count']} nodes on 2 dbt threads (node times below overlap).",
                "",
                "| node kind | seconds (sum) |",
                "|:--|---:|",
                *[
                    f"| {kind} | {seconds:.1f} |"
                    for kind, seconds in sorted(p["by_kind"].items(), key=lambda x: -x[1])
                ],
                "",
                "| slowest nodes | kind | seconds |",
                "|:--|:--|---:|",
                *[f"| `{n['node']}` | {n['kind']} | {n['seconds']:.1f} |" for n in p["top_nodes"]],
                "",
            ]
    lines += targets(results)
    lines += [METHOD.strip(), "", NOTES.strip(), ""]
    raw = json.dumps({"machine": host, "command": args_line, "results": results}, indent=1)
    lines += [f"{RESULTS_MARKER}\n{raw}\n-->", ""]
    return "\n".join(lines)


#: The targets: our wall time against each notebook by size, peak MB and inertia at 10M.
TARGET_ROWS = 10_000_000
#: (size, contender key, largest ratio of our wall time to the contender's, label)
TARGET_RATIOS = (
    (1_000_000, "notebook_csv", 1.0, "no slower than the notebook (CSV out)"),
    (10_000_000, "notebook_csv", 0.5, "at most half the notebook's wall time (CSV out)"),
    (10_000_000, "notebook", 1.0, "no slower than the notebook writing Parquet"),
)
TARGET_PEAK_MB = 1024
TARGET_INERTIA = 0.01


def targets(results: list[dict[str, Any]]) -> list[str]:
    """The targets against what was measured, each marked met or not met."""
    checks: list[tuple[str, bool]] = []
    for r in results:
        pl, q = r.get("pipeline"), r.get("quality")
        if not pl:
            continue
        label = f"{_label(r['rows'])} {r['fmt']}"
        for rows, key, limit, text in TARGET_RATIOS:
            if r["rows"] == rows and _ok(r.get(key)):
                ratio = pl["wall_seconds"] / r[key]["wall_seconds"]
                checks.append((f"{label}, {text}: {ratio:.2f}", ratio <= limit))
        if r["rows"] == TARGET_ROWS:
            checks.append(
                (
                    f"{label}, peak memory at most 1 GB: {pl['peak_mb']:,.0f} MB",
                    pl["peak_mb"] <= TARGET_PEAK_MB,
                )
            )
            if q:
                excess = q["inertia_ratio"] - 1
                checks.append(
                    (
                        f"{label}, inertia within 1% of the full fit: {100 * excess:+.3f}%",
                        excess <= TARGET_INERTIA,
                    )
                )
    if not checks:
        return []
    lines = ["## Targets", ""]
    lines += [f"- {text}: **{'met' if ok else 'not met'}**" for text, ok in checks]
    return [*lines, ""]


METHOD = """
## Method

- Data: `scripts/generate_data.py scale --rows N` writes one shop customer file (CSV by
  default, or Parquet with `--format parquet`) with the demo's segments and data-entry
  quirks (about 20% of rows fail a validation rule). The generator is seeded: the same N
  gives the same file.
- Each contender runs in its own fresh process at `nice -n 10`, one after the other, never
  two at once: DuckDB reading the file alone, the floor, the notebook approach (CSV out,
  then Parquet out), then our build.
- Floor (`scripts/bench.py floor`): DuckDB reads the file as text, applies the same rules
  in SQL into a typed table, draws the same bounded sample (100,000 rows by hash of the
  id), fits it with the engine's `fit_segments` (KMeans, n_init 10, exact Lloyd settling)
  and assigns every customer to the nearest centroid in SQL into a table. No dbt, no tests,
  no rejected rows, RFM or marts: the least any build of this design can do.
- Notebook approach (`scripts/bench.py notebook`): `pandas.read_csv` (or `read_parquet`),
  the pipeline's validation rules written as pandas filters (so both segment the same
  rows), `StandardScaler`, `KMeans(n_clusters=k, n_init=10, random_state=42)` on all valid
  rows with scikit-learn's default threads; the customers with their cluster written back
  to CSV, or (the leaner variant) only ids and clusters to Parquet.
- Our build: `dbt build --vars '{shop_customers_path: <file>, segment_k: k}'` on a new
  DuckDB file with a fresh target directory, so dbt parses the project from scratch. It
  runs everything `make run` builds and tests: both customer bases, orders, loyalty, RFM,
  the k diagnostics for k = 2..10, the Python models, the marts and all data and unit
  tests. The mall customers, orders and loyalty members stay the demo seeds (a few
  thousand rows): the comparison is about the customer file that both approaches read.
- Memory: the parent samples VmRSS of the process and every descendant every 50 ms and
  reports the peak of the sum; it also takes the kernel's high-water mark of the largest
  single process (VmHWM and `wait4`'s `ru_maxrss`) and reports the larger of the two.
- Quality, over every valid row: both assignments are joined on the customer id. Inertia
  is the sum of squared distances of each customer, standardised with the notebook's
  scaler, to its assigned centroid: for the full fit its own centroids, for us the
  published `segment_centroids` mapped from raw units into that space.
  `inertia vs full fit` is ours / full - 1 (negative: ours is lower). ARI is
  `sklearn.metrics.adjusted_rand_score` over all joined rows.
"""

NOTES = """
## How the build stays small

- KMeans is fitted on a bounded, deterministic sample of each base (`segment_sample_size`,
  default 100,000 rows, drawn in DuckDB by hash of the customer id); the silhouette uses at
  most `silhouette_sample_size` rows. Every customer is then assigned to its nearest
  centroid in SQL (`int_customers_assigned`), a streaming pass whose memory does not grow
  with the number of customers.
- DuckDB's memory limit and threads come from `SEGMENTS_MEMORY_LIMIT`, `SEGMENTS_THREADS`
  and `SEGMENTS_DUCKDB_THREADS` (profiles.yml); DuckDB spills to disk past the limit.
- The raw file is parsed by the validation table (twice: once for the duplicated ids),
  by the row-count test and the two row-conservation tests; the raw values become JSON only
  on rejected rows. The k diagnostics fit on both cores (each fit on one native thread, so
  results are byte-identical) and score every k's silhouette from one pass of distances.

## How far from the floor, and why

The floor (`/ floor` above) reads the file once, keeps the valid rows in one typed table,
fits the same sample and writes one assignment table. Our build does that and everything it
exists for: dbt's start-up and parsing of about 200 nodes (the profile's start-up line),
every failed rule with the row's raw values (`rejected_rows`), RFM from the order history,
z-scores and the k diagnostics for k = 2..10 (the floor fits only the chosen k), the
published marts with their profiles and exact medians, and about 150 data tests and 20 unit
tests, each a query of its own. At small sizes the fixed part (start-up, per-node overhead,
the k diagnostics) dominates; at large sizes the full-width passes over the customers
(validation, enrichment, the customer_segments and segment_profiles marts) do.
"""


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def _sizes(text: str) -> list[int]:
    sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    if not sizes or any(size <= 0 for size in sizes):
        raise argparse.ArgumentTypeError("sizes must be positive integers, comma-separated")
    return sizes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    commands = parser.add_subparsers(dest="command")
    notebook = commands.add_parser("notebook", help="the notebook approach on one file")
    notebook.add_argument("source")
    notebook.add_argument("--format", choices=("csv", "parquet"), default="csv")
    notebook.add_argument("--k", type=int, default=5)
    notebook.add_argument("--n-init", type=int, default=10)
    notebook.add_argument("--seed", type=int, default=42)
    notebook.add_argument("--output", choices=("csv", "parquet"), default="parquet")
    notebook.add_argument("--out", type=Path, required=True)
    floor = commands.add_parser("floor", help="DuckDB and scikit-learn by hand on one file")
    floor.add_argument("source")
    floor.add_argument("--format", choices=("csv", "parquet"), default="csv")
    floor.add_argument("--k", type=int, default=5)
    floor.add_argument("--n-init", type=int, default=10)
    floor.add_argument("--seed", type=int, default=42)
    floor.add_argument("--sample-size", type=int, default=FLOOR_SAMPLE_SIZE)
    floor.add_argument("--memory-limit", default=DEFAULT_MEMORY_LIMIT)
    floor.add_argument("--threads", type=int, default=2)
    floor.add_argument("--out", type=Path, required=True)
    read = commands.add_parser("read", help="DuckDB reading one file alone")
    read.add_argument("source")
    read.add_argument("--format", choices=("csv", "parquet"), default="csv")
    read.add_argument("--memory-limit", default=DEFAULT_MEMORY_LIMIT)
    read.add_argument("--threads", type=int, default=2)

    parser.add_argument("--sizes", type=_sizes, default=list(DEFAULT_SIZES))
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    parser.add_argument("--k", type=int, default=5, help="segments for both (default 5)")
    parser.add_argument("--n-init", type=int, default=10)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--memory-limit", default=DEFAULT_MEMORY_LIMIT, help="DuckDB memory_limit of our build"
    )
    parser.add_argument("--skip-notebook", action="store_true",
                        help="run only our build (for sizes the notebook cannot hold)")  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep data files and databases")
    parser.add_argument("--fresh", action="store_true",
                        help="drop the results of earlier runs kept in --out")  # fmt: skip
    parser.add_argument("--render", action="store_true",
                        help="only rewrite --out from its kept results")  # fmt: skip
    parser.add_argument("--work", type=Path, default=PROJECT_DIR / "bench")
    parser.add_argument("--out", type=Path, default=PROJECT_DIR / "BENCHMARKS.md")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = build_parser().parse_args(argv)
    if args.command == "notebook":
        run_notebook(
            args.source, args.format, args.k, args.n_init, args.seed, args.out, args.output
        )
        return 0
    if args.command == "floor":
        run_floor(args.source, args.format, args.k, args.n_init, args.seed, args.sample_size,
                  args.memory_limit, args.threads, args.out)  # fmt: skip
        return 0
    if args.command == "read":
        run_read(args.source, args.format, args.memory_limit, args.threads)
        return 0
    args.work = args.work.resolve()
    if args.render:
        kept = load_previous(args.out)
        host = kept.get("machine") or machine()
        args.out.write_text(render(kept["results"], host, kept.get("command", "make bench")))
        print(f"wrote {args.out} from the results it holds")
        return 0
    previous = [] if args.fresh else load_previous(args.out)["results"]
    measured = []
    for rows in args.sizes:
        measured.append(asdict(bench_size(rows, args)))
        replaced = {(r["rows"], r["fmt"]) for r in measured}
        kept = [r for r in previous if (r["rows"], r["fmt"]) not in replaced]
        args_line = "python scripts/bench.py " + " ".join(argv) if argv else "make bench"
        args.out.write_text(render(kept + measured, machine(), args_line.strip()))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

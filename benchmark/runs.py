"""One benchmark size: generate the file, run every contender, check quality, profile the build."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from benchmark import dbt_alone
from benchmark.measure import Measurement, measure
from benchmark.settings import BENCH_SCRIPT, GENERATOR, PROJECT_DIR, SEGMENTATION_MODELS
from pipeline.run import BUILD_COMMAND

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
    pipeline_lean: dict[str, Any] | None = None
    #: dbt alone (benchmark.dbt_alone): our build's nodes doing next to no work, built from
    #: scratch like our build, then once more as a second run.
    dbt_alone: dict[str, Any] | None = None
    dbt_alone_second: dict[str, Any] | None = None
    #: The smallest dbt project (a seed, a model, a test), built from scratch: what any dbt
    #: build costs.
    dbt_smallest: dict[str, Any] | None = None
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
        [sys.executable, str(BENCH_SCRIPT), "read", str(source), "--format", args.format,
         "--memory-limit", memory_limit, "--threads", str(threads)],
        env=env,
        log=work / "read.log",
    )  # fmt: skip
    result.read = _as_dict(read)
    _check(read, work / "read.log")

    print(f"[{label}] the floor: DuckDB and scikit-learn by hand ...", flush=True)
    floor = measure(
        [sys.executable, str(BENCH_SCRIPT), "floor", str(source), "--format", args.format,
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
                [sys.executable, str(BENCH_SCRIPT), "notebook", str(source),
                 "--format", args.format, "--k", str(args.k), "--n-init", str(args.n_init),
                 "--seed", str(args.seed),
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
        [dbt_executable(), *BUILD_COMMAND, "--vars", json.dumps(dbt_vars)],
        env=env,
        log=work / "dbt.log",
    )
    result.pipeline = _as_dict(pipeline)
    _check(pipeline, work / "dbt.log")
    # dbt times its nodes by the system clock: the start-up is what the same clock left.
    result.profile = profile_of(work / "target", pipeline.clock_seconds)
    clock_ahead = pipeline.clock_seconds - pipeline.wall_seconds
    if clock_ahead > 1.0:
        result.notes.append(
            f"during our build the system clock ran {clock_ahead:.1f} s ahead of the wall "
            "time (the machine was paused, or its clock was set): the profile's node times "
            "include those seconds, the wall time does not"
        )

    print(f"[{label}] dbt alone: our build's nodes doing next to no work ...", flush=True)
    result.dbt_alone, result.dbt_alone_second, result.dbt_smallest = measure_dbt_alone(
        work, env, result.notes
    )

    if args.lean_memory_limit:
        # The same build again into a fresh database with the lean memory setting, so that
        # its cost is measured against the build above, in the same run.
        setting = lean_setting(args.lean_memory_limit, threads)
        print(f"[{label}] our dbt build, {describe_setting(setting)} ...", flush=True)
        lean_work = work / "lean"
        lean_work.mkdir()
        lean = measure(
            [dbt_executable(), *BUILD_COMMAND, "--vars", json.dumps(dbt_vars)],
            env={**dbt_environment(lean_work), **setting},
            log=lean_work / "dbt.log",
        )
        result.pipeline_lean = {**_as_dict(lean), "setting": setting}
        _check(lean, lean_work / "dbt.log")

    if result.notebook and result.notebook["returncode"] == 0:
        print(f"[{label}] quality ...", flush=True)
        result.quality = quality(work / "build.duckdb", work / "notebook-parquet")
    print(f"[{label}] {summary_line(result)}", flush=True)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(data_dir, ignore_errors=True)
    return result


def measure_dbt_alone(
    work: Path, build_env: dict[str, str], notes: list[str]
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """dbt alone for the build whose target is in `work` (and which ran with `build_env`'s
    settings): its first build (a new database, a fresh target directory, so dbt parses from
    scratch, as our build did) and a second one (dbt's partial parse warm, as in a user's
    second `make run`); then the first build of the smallest project. A run that fails is
    kept as failed, with a note, and the benchmark goes on."""
    ours = json.loads((work / "target" / "manifest.json").read_text())
    settings = {
        "threads": int(build_env.get("SEGMENTS_THREADS", "2")),
        "duckdb_threads": int(
            build_env.get("SEGMENTS_DUCKDB_THREADS", build_env.get("SEGMENTS_THREADS", "2"))
        ),
        "memory_limit": build_env.get("SEGMENTS_MEMORY_LIMIT", DEFAULT_MEMORY_LIMIT),
    }
    runs: list[dict[str, Any]] = []
    for name, manifest, repeats in (
        ("dbt-alone", ours, ("first", "second")),
        ("dbt-smallest", dbt_alone.smallest_manifest(), ("first",)),
    ):
        folder = work / name
        project = folder / "project"
        shape = dbt_alone.write_project(manifest, project, folder / "alone.duckdb", **settings)
        env = {
            **dbt_environment(folder),
            "DBT_PROFILES_DIR": str(project),
            "DBT_PROJECT_DIR": str(project),
        }
        for run in repeats:
            log = folder / f"{run}.log"
            measured = measure([dbt_executable(), "build"], env=env, log=log)
            runs.append({**_as_dict(measured), "nodes": shape.nodes, "shape": asdict(shape)})
            if measured.returncode != 0:
                notes.append(f"{name}, {run} run, failed (exit {measured.returncode})")
                print(log.read_text()[-3000:], file=sys.stderr)
    return runs[0], runs[1], runs[2]


#: DuckDB memory_limit of our build, the floor and the read: enough for a 10M-customer build on
#: two dbt threads (the lean build below runs one in 500MB on one dbt thread).
DEFAULT_MEMORY_LIMIT = "1GB"
#: DuckDB memory_limit of the lean build (`--lean-memory-limit`), which also runs one dbt thread.
LEAN_MEMORY_LIMIT = "500MB"


def lean_setting(memory_limit: str, duckdb_threads: int) -> dict[str, str]:
    """The environment of the lean build: less DuckDB memory, and one dbt thread, so that two
    large models never hold memory at once (DuckDB keeps its own threads)."""
    return {
        "SEGMENTS_MEMORY_LIMIT": memory_limit,
        "SEGMENTS_THREADS": "1",
        "SEGMENTS_DUCKDB_THREADS": str(duckdb_threads),
    }


def describe_setting(setting: dict[str, str]) -> str:
    return " ".join(f"{name}={value}" for name, value in setting.items())


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
    if result.dbt_alone:
        parts.append(f"dbt alone {result.dbt_alone['wall_seconds']:.1f}s")
    if result.pipeline_lean:
        lean = result.pipeline_lean
        parts.append(f"lean pipeline {lean['wall_seconds']:.1f}s {lean['peak_mb']:.0f}MB")
    if result.quality:
        q = result.quality
        parts.append(f"inertia x{q['inertia_ratio']:.5f} ARI {q['ari']:.4f}")
    return ", ".join(parts)

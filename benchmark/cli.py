"""The benchmark's command line (``scripts/bench.py`` runs :func:`main`)."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path

from benchmark.contenders import run_floor, run_notebook, run_read
from benchmark.report import load_previous, machine, render
from benchmark.runs import DEFAULT_MEMORY_LIMIT, FLOOR_SAMPLE_SIZE, LEAN_MEMORY_LIMIT, bench_size
from benchmark.settings import DEFAULT_SIZES, PROJECT_DIR

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
    parser.add_argument(
        "--lean-memory-limit",
        default=LEAN_MEMORY_LIMIT,
        help="run our build again with this DuckDB memory_limit and one dbt thread "
        f"(default {LEAN_MEMORY_LIMIT}; an empty value skips it)",
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

"""The generator's command line (``scripts/generate_data.py`` runs :func:`main`).

Usage
-----
    python scripts/generate_data.py seeds [--out seeds] [--seed 42]
    python scripts/generate_data.py scale --rows N --format csv|parquet --out DIR
        [--seed 42] [--with-orders]
    python scripts/generate_data.py examples [--out data/examples]
"""

from __future__ import annotations

import argparse
import time

import datagen
from datagen import streams
from datagen.examples import write_examples
from datagen.scale import write_scale, write_seeds
from datagen.writers import FORMATS


def _positive(text: str) -> int:
    """argparse type: a positive integer (underscores allowed)."""
    value = int(text.replace("_", ""))
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive integer")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The command line parser."""
    parser = argparse.ArgumentParser(description=datagen.__doc__.split("\n", 1)[0])
    commands = parser.add_subparsers(dest="command", required=True)
    seeds = commands.add_parser("seeds", help="write the four demo seed files")
    seeds.add_argument("--out", default="seeds", help="output directory (default: seeds)")
    seeds.add_argument("--seed", type=int, default=streams.DEFAULT_SEED)
    scale = commands.add_parser("scale", help="write a large shop customer file")
    scale.add_argument("--rows", type=_positive, required=True, help="number of customers")
    scale.add_argument("--format", choices=FORMATS, required=True)
    scale.add_argument("--out", required=True, help="output directory")
    scale.add_argument("--seed", type=int, default=streams.DEFAULT_SEED)
    scale.add_argument(
        "--with-orders", action="store_true", help="also write orders and loyalty members"
    )
    scale.add_argument(
        "--chunk-rows", type=_positive, default=streams.DEFAULT_CHUNK_ROWS, help=argparse.SUPPRESS
    )
    examples = commands.add_parser(
        "examples", help="write the example exports that examples/bases.yml reads"
    )
    examples.add_argument("--out", default="data/examples", help="output directory")
    examples.add_argument("--seed", type=int, default=streams.DEFAULT_SEED, help=argparse.SUPPRESS)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; prints a one-line summary."""
    args = build_parser().parse_args(argv)
    started = time.perf_counter()
    if args.command == "seeds":
        written = write_seeds(args.out, args.seed)
    elif args.command == "examples":
        written = write_examples(args.out)
    else:
        written = write_scale(
            args.out, args.rows, args.format, args.seed, args.with_orders, args.chunk_rows
        )
    files = ", ".join(f"{name} ({rows:,} rows)" for name, rows in written.items())
    seconds = time.perf_counter() - started
    print(f"{args.command}: wrote {files} to {args.out} (seed {args.seed}) in {seconds:.1f}s")
    return 0

"""Seeded, deterministic demo and load-test data: the command line of the ``datagen`` package.

Usage
-----
    python scripts/generate_data.py seeds [--out seeds] [--seed 42]
    python scripts/generate_data.py scale --rows N --format csv|parquet --out DIR
        [--seed 42] [--with-orders]
    python scripts/generate_data.py examples [--out data/examples]

What each file holds, and how output stays deterministic, is described in ``datagen/``
(one module per file).
"""

from __future__ import annotations

from datagen.cli import main

if __name__ == "__main__":
    raise SystemExit(main())

"""The scale benchmark's command line (see the ``benchmark`` package and BENCHMARKS.md)."""

from __future__ import annotations

import sys

from benchmark.cli import main

if __name__ == "__main__":
    sys.exit(main())

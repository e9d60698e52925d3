"""Publish the marts of the last complete, passing build (see ``pipeline.publish``)."""

from __future__ import annotations

import sys

from pipeline.publish import main

if __name__ == "__main__":
    sys.exit(main())

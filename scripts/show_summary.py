"""Print the segment summary of the serving database (see ``pipeline.summary``)."""

from __future__ import annotations

import sys

from pipeline.summary import main

if __name__ == "__main__":
    sys.exit(main())

"""The main job (`make run`): build, test, publish, summarise, report (see ``pipeline.run``)."""

from __future__ import annotations

import sys

from pipeline.run import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

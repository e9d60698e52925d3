"""One build or publish at a time per build database: a lock file beside it.

`make run` holds the lock from before `dbt build` starts until the report is written, and
`make publish` while it publishes, so two of them never write the build database or the
serving files at once. The lock is an advisory `flock` on `.<build database stem>.lock`
(`warehouse/.build.lock`); the kernel releases it when the holder exits, however it exits,
so a killed build never leaves a stale lock behind. The file holds the holder's pid, for the
message the next one prints. dbt is started with the lock's descriptor, so a dbt that
outlives a killed `make run` still holds it.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class BuildBusy(Exception):
    """Another process holds the lock; the message names its pid and the lock file."""


def lock_path(build_db: Path) -> Path:
    """The lock file of a build database: `.build.lock` beside `build.duckdb`."""
    return build_db.with_name(f".{build_db.stem}.lock")


def _holder(descriptor: int) -> str:
    """The pid written by the process holding the lock, if it has written it yet."""
    text = os.pread(descriptor, 64, 0).decode(errors="replace").strip()
    return text if text.isdigit() else "unknown"


@contextmanager
def hold(build_db: Path) -> Iterator[int]:
    """Hold the lock of `build_db` (creating its folder when missing) or raise BuildBusy at
    once, without waiting; yields the lock's file descriptor."""
    path = lock_path(build_db)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildBusy(
                f"another build is running (pid {_holder(descriptor)}; lock file {path})"
            ) from None
        os.ftruncate(descriptor, 0)
        os.pwrite(descriptor, f"{os.getpid()}\n".encode(), 0)
        yield descriptor
    finally:
        os.close(descriptor)

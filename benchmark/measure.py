"""Running a command while sampling the resident memory of its whole process tree."""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmark.settings import NICENESS, PROJECT_DIR, SAMPLE_SECONDS

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
    #: The same span by the system clock, which dbt times its nodes with: longer than
    #: wall_seconds (a monotonic clock) when the machine was paused or its clock was set.
    clock_seconds: float = 0.0

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
        started_clock = time.time()
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
            result["clock"] = time.time() - started_clock
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
        clock_seconds=result["clock"],
    )

"""Wall time, CPU time and peak memory of a whole process tree, read from ``/proc`` (Linux).

``pvw bench`` runs each thing it measures as a child process and samples the child and every
process under it (dbt runs as a subprocess of Dagster, Superset forks workers) from a thread:

- memory: the sum of the resident set size (``/proc/<pid>/stat`` field 24) of every live
  process of the tree at each sample; the peak is the largest sum seen. Pages shared between
  processes count once per process, as ``ps`` and ``top`` count them;
- CPU: user + system time of every live process of the tree plus what its exited children
  used (``cutime`` + ``cstime``, which the kernel adds to a parent when it reaps a child), so
  the sum keeps growing as processes come and go; the total for the whole run is taken from
  ``wait4``'s resource usage of the child when it ends (exact, whatever the sampling missed).

No dependency beyond the standard library (psutil is not used).
"""

from __future__ import annotations

import bisect
import os
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class ProcStat:
    pid: int
    ppid: int
    cpu_ticks: int  # utime + stime + cutime + cstime
    rss_pages: int


def read_stat(pid: int) -> ProcStat | None:
    """One process's ``/proc/<pid>/stat``, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            text = fh.read().decode(errors="replace")
    except OSError:
        return None
    # the command name (field 2) may hold spaces and parentheses: split after the last ')'
    fields = text[text.rfind(")") + 2:].split()
    try:
        ticks = sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
        return ProcStat(pid, int(fields[1]), ticks, int(fields[21]))
    except (IndexError, ValueError):
        return None


def all_stats() -> list[ProcStat]:
    stats = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit() and (stat := read_stat(int(entry.name))) is not None:
            stats.append(stat)
    return stats


def tree_stats(root: int) -> list[ProcStat]:
    """The root and every process under it, alive now (zombies included until reaped)."""
    stats = all_stats()
    children: dict[int, list[ProcStat]] = {}
    by_pid = {}
    for stat in stats:
        children.setdefault(stat.ppid, []).append(stat)
        by_pid[stat.pid] = stat
    if root not in by_pid:
        return []
    found, todo = [], [by_pid[root]]
    while todo:
        stat = todo.pop()
        found.append(stat)
        todo.extend(children.get(stat.pid, ()))
    return found


@dataclass(frozen=True)
class Sample:
    at: float  # time.time(), to line up with Dagster's event timestamps
    cpu_s: float  # CPU seconds of the tree so far (see the module docstring)
    rss_bytes: int  # resident memory of the tree now
    processes: int


def sample_tree(root: int) -> Sample | None:
    stats = tree_stats(root)
    if not stats:
        return None
    return Sample(
        at=time.time(),
        cpu_s=sum(s.cpu_ticks for s in stats) / CLOCK_TICKS,
        rss_bytes=sum(s.rss_pages for s in stats) * PAGE_SIZE,
        processes=len(stats),
    )


class TreeSampler(threading.Thread):
    """Samples a process tree every ``interval`` seconds until :meth:`stop` or until the root
    is gone."""

    def __init__(self, root: int, interval: float = 0.1) -> None:
        super().__init__(name=f"tree-sampler-{root}", daemon=True)
        self.root = root
        self.interval = interval
        self.samples: list[Sample] = []
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            sample = sample_tree(self.root)
            if sample is not None:
                self.samples.append(sample)
            self._stop_event.wait(self.interval)

    def stop(self) -> list[Sample]:
        self._stop_event.set()
        self.join()
        return self.samples


@dataclass
class Measured:
    """One child process measured from start to end, with its samples for slicing."""

    args: list[str]
    returncode: int
    started: float  # time.time()
    ended: float
    wall_s: float
    cpu_s: float  # whole tree, from wait4
    peak_rss_bytes: int  # whole tree, from the samples
    max_single_rss_bytes: int  # the largest single process (wait4's ru_maxrss)
    samples: list[Sample] = field(default_factory=list)
    log: Path | None = None
    load_before: float | None = None  # the 1-minute load average when it started

    def window(self, start: float, end: float) -> Window:
        return window(self.samples, start, end)


@dataclass(frozen=True)
class Window:
    wall_s: float
    cpu_s: float
    peak_rss_bytes: int


def _cpu_at(samples: Sequence[Sample], at: float) -> float:
    """The tree's CPU seconds at ``at``, interpolated between the samples around it."""
    times = [s.at for s in samples]
    i = bisect.bisect_left(times, at)
    if i == 0:
        return samples[0].cpu_s if samples else 0.0
    if i >= len(samples):
        return samples[-1].cpu_s
    before, after = samples[i - 1], samples[i]
    span = after.at - before.at
    share = (at - before.at) / span if span > 0 else 1.0
    return before.cpu_s + share * (after.cpu_s - before.cpu_s)


def window(samples: Sequence[Sample], start: float, end: float) -> Window:
    """Wall time, CPU time and peak memory of the tree between two ``time.time()`` values.

    The peak is the largest sample in the window, or the nearest sample for a window
    shorter than the sampling interval."""
    if not samples:
        return Window(end - start, 0.0, 0)
    inside = [s.rss_bytes for s in samples if start <= s.at <= end]
    if not inside:
        nearest = min(samples, key=lambda s: min(abs(s.at - start), abs(s.at - end)))
        inside = [nearest.rss_bytes]
    cpu = max(0.0, _cpu_at(samples, end) - _cpu_at(samples, start))
    return Window(end - start, cpu, max(inside))


def measure(
    args: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path | None = None,
    log: Path | None = None, interval: float = 0.1, timeout: float | None = None,
) -> Measured:
    """Run ``args`` as a child (its output to ``log``, else discarded) and measure its tree."""
    out = log.open("ab") if log else open(os.devnull, "wb")  # noqa: SIM115 - closed below
    load = os.getloadavg()[0]
    try:
        started_mono, started = time.monotonic(), time.time()
        proc = subprocess.Popen(
            list(args), env=dict(env) if env is not None else None, cwd=cwd,
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
        )
        sampler = TreeSampler(proc.pid, interval)
        sampler.start()
        try:
            status, usage = _wait4(proc, timeout, started_mono)
        finally:
            samples = sampler.stop()
        wall = time.monotonic() - started_mono
    finally:
        out.close()
    return Measured(
        args=list(args), returncode=status, started=started, ended=started + wall,
        wall_s=wall, cpu_s=usage.ru_utime + usage.ru_stime,
        peak_rss_bytes=max((s.rss_bytes for s in samples), default=0),
        max_single_rss_bytes=usage.ru_maxrss * 1024,  # kibibytes on Linux
        samples=samples, log=log, load_before=round(load, 2),
    )


def _wait4(proc: subprocess.Popen, timeout: float | None, started: float):  # noqa: ANN202
    """Reap the child with ``wait4`` (its resource usage covers every descendant it reaped)."""
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return proc.returncode, usage
        if timeout is not None and time.monotonic() - started > timeout:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
            raise TimeoutError(f"{' '.join(map(str, proc.args))} took over {timeout:.0f} s")
        time.sleep(0.02)

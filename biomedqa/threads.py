"""How many threads llama.cpp should use: the cores this process may actually run on.

``os.cpu_count()`` counts the host's CPUs, not ours. The usable count is the smallest of
the CPU affinity set (``sched_getaffinity``, which is also what a cpuset cgroup restricts),
the physical cores among those CPUs (hyper-threads share one core's arithmetic units), and
the CPU quota of the cgroup (v2 ``cpu.max``, v1 ``cpu.cfs_quota_us``/``cpu.cfs_period_us``).

llama.cpp's worker threads wait for each other at every layer, so a thread that loses its
core to another process stalls all of them: on a 2-core machine with one other busy
process, 2 threads run 10-20x slower than 1. ``free_cores`` therefore also samples how busy
our CPUs are right now and leaves out the cores other processes are using.
"""

from __future__ import annotations

import logging
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

SYS = Path("/sys")
PROC = Path("/proc")


def affinity() -> set[int]:
    """CPU ids this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return set(os.sched_getaffinity(0))
    return set(range(os.cpu_count() or 1))


def physical_cores(cpus: set[int], sys_root: Path = SYS) -> int:
    """Distinct physical cores among ``cpus`` (hyper-thread siblings count once)."""
    cores: set[tuple[str, str]] = set()
    for cpu in cpus:
        topo = sys_root / f"devices/system/cpu/cpu{cpu}/topology"
        try:
            cores.add(((topo / "physical_package_id").read_text().strip(), (topo / "core_id").read_text().strip()))
        except OSError:
            cores.add(("cpu", str(cpu)))  # no topology: count the CPU itself
    return max(1, len(cores))


def _quota_v2(sys_root: Path, cgroup_path: str) -> float | None:
    base = sys_root / "fs/cgroup"
    parts = [p for p in cgroup_path.strip("/").split("/") if p]
    # The quota of every ancestor applies; the tightest wins.
    best: float | None = None
    for depth in range(len(parts), -1, -1):
        f = base.joinpath(*parts[:depth], "cpu.max")
        try:
            quota, period = f.read_text().split()[:2]
        except (OSError, ValueError):
            continue
        if quota != "max" and float(period) > 0:
            q = float(quota) / float(period)
            best = q if best is None else min(best, q)
    return best


def _quota_v1(sys_root: Path, cgroup_path: str) -> float | None:
    for ctl in ("cpu", "cpu,cpuacct", "cpuacct,cpu"):
        for d in (sys_root / "fs/cgroup" / ctl / cgroup_path.strip("/"), sys_root / "fs/cgroup" / ctl):
            try:
                quota = int((d / "cpu.cfs_quota_us").read_text())
                period = int((d / "cpu.cfs_period_us").read_text())
            except (OSError, ValueError):
                continue
            return quota / period if quota > 0 and period > 0 else None
    return None


def cgroup_quota(sys_root: Path = SYS, proc_root: Path = PROC) -> float | None:
    """CPUs the cgroup quota allows (e.g. 1.5), or None when there is no quota."""
    v1_path = v2_path = "/"
    try:
        for line in (proc_root / "self/cgroup").read_text().splitlines():
            hier, ctls, path = line.split(":", 2)
            if hier == "0" and ctls == "":
                v2_path = path
            elif "cpu" in ctls.split(","):
                v1_path = path
    except (OSError, ValueError):
        pass
    q = _quota_v2(sys_root, v2_path)
    return q if q is not None else _quota_v1(sys_root, v1_path)


def usable_cores(sys_root: Path = SYS, proc_root: Path = PROC) -> int:
    """Cores this process may use: min(physical cores in the affinity set, floor of the cgroup quota)."""
    n = physical_cores(affinity(), sys_root)
    quota = cgroup_quota(sys_root, proc_root)
    if quota is not None:
        n = min(n, max(1, math.floor(quota)))
    return max(1, n)


def _cpu_jiffies(cpus: set[int], proc_root: Path) -> tuple[float, float]:
    """(busy, total) jiffies summed over ``cpus`` from /proc/stat."""
    busy = total = 0.0
    for line in (proc_root / "stat").read_text().splitlines():
        name, *vals = line.split()
        if not name.startswith("cpu") or name == "cpu" or int(name[3:]) not in cpus:
            continue
        nums = [float(v) for v in vals[:8]]
        idle = nums[3] + (nums[4] if len(nums) > 4 else 0.0)  # idle + iowait
        total += sum(nums)
        busy += sum(nums) - idle
    return busy, total


def _self_jiffies(proc_root: Path) -> float:
    fields = (proc_root / "self/stat").read_text().rsplit(")", 1)[1].split()
    return float(fields[11]) + float(fields[12])  # utime + stime


@dataclass(frozen=True)
class CpuReport:
    """What ``doctor`` shows and what the model's thread count is chosen from."""

    cpu_count: int = 0
    affinity: int = 0
    physical: int = 0
    quota: float | None = None
    usable: int = 1
    busy_others: float = 0.0  # cores other processes kept busy while sampled
    free: int = 1
    load1: float = 0.0


def busy_between(before: tuple[float, float, float], after: tuple[float, float, float], n_cpus: int) -> float:
    """Cores others kept busy between two (busy, total, own) jiffy snapshots of ``n_cpus`` CPUs."""
    (b0, t0, s0), (b1, t1, s1) = before, after
    if t1 <= t0:
        return 0.0
    return max(0.0, (b1 - b0) - (s1 - s0)) / (t1 - t0) * n_cpus


def snapshot(cpus: set[int], proc_root: Path = PROC) -> tuple[float, float, float]:
    """(busy, total) jiffies of ``cpus`` and this process's own CPU jiffies."""
    return (*_cpu_jiffies(cpus, proc_root), _self_jiffies(proc_root))


def busy_other_cores(interval: float = 0.3, proc_root: Path = PROC) -> float:
    """Cores of our affinity set that other processes kept busy during ``interval`` seconds."""
    cpus = affinity()
    try:
        before = snapshot(cpus, proc_root)
        time.sleep(interval)
        after = snapshot(cpus, proc_root)
    except (OSError, ValueError, IndexError):
        return 0.0
    return busy_between(before, after, len(cpus))


def free_cores(interval: float = 0.3, sys_root: Path = SYS, proc_root: Path = PROC) -> CpuReport:
    """Usable cores minus those other processes are busy on now (at least 1)."""
    usable = usable_cores(sys_root, proc_root)
    busy = busy_other_cores(interval, proc_root)
    free = max(1, min(usable, usable - math.floor(busy + 0.25)))  # a core counts as taken from ~75% busy
    try:
        load1 = os.getloadavg()[0]
    except OSError:
        load1 = 0.0
    return CpuReport(
        cpu_count=os.cpu_count() or 1,
        affinity=len(affinity()),
        physical=physical_cores(affinity(), sys_root),
        quota=cgroup_quota(sys_root, proc_root),
        usable=usable,
        busy_others=round(busy, 2),
        free=free,
        load1=round(load1, 2),
    )


def model_threads(configured: int | None) -> int:
    """``llm.n_threads``, or (None) the cores free right now, logged with the reason."""
    if configured:
        return configured
    rep = free_cores()
    if rep.free < rep.usable:
        logger.warning(
            "llm threads: %d of %d usable cores (other processes keep %.1f cores busy; "
            "llama.cpp slows 10-20x when its threads compete for cores)",
            rep.free,
            rep.usable,
            rep.busy_others,
        )
    else:
        logger.info("llm threads: %d (usable cores: affinity %d, quota %s)", rep.free, rep.affinity, rep.quota)
    return rep.free

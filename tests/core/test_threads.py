"""Thread count from the cores that are really usable: affinity, physical cores, cgroup quota, load."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from biomedqa import threads
from biomedqa.cli import cli
from biomedqa.cli.doctor import cpu_lines


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _topology(sys_root: Path, cpu: int, package: int, core: int) -> None:
    topo = sys_root / f"devices/system/cpu/cpu{cpu}/topology"
    _write(topo / "physical_package_id", f"{package}\n")
    _write(topo / "core_id", f"{core}\n")


def test_hyperthread_siblings_count_once(tmp_path: Path) -> None:
    for cpu, core in ((0, 0), (1, 1), (2, 0), (3, 1)):  # cpu2/cpu3 are siblings of cpu0/cpu1
        _topology(tmp_path, cpu, 0, core)
    assert threads.physical_cores({0, 1, 2, 3}, tmp_path) == 2
    assert threads.physical_cores({0, 2}, tmp_path) == 1
    assert threads.physical_cores({0, 7}, tmp_path) == 2  # cpu7 has no topology: counted as itself


def test_cgroup_v2_quota_tightest_ancestor(tmp_path: Path) -> None:
    proc, sys_root = tmp_path / "proc", tmp_path / "sys"
    _write(proc / "self/cgroup", "0::/jobs/task1\n")
    _write(sys_root / "fs/cgroup/cpu.max", "max 100000\n")
    _write(sys_root / "fs/cgroup/jobs/cpu.max", "150000 100000\n")
    _write(sys_root / "fs/cgroup/jobs/task1/cpu.max", "400000 100000\n")
    assert threads.cgroup_quota(sys_root, proc) == 1.5


def test_cgroup_v1_quota_and_unlimited(tmp_path: Path) -> None:
    proc, sys_root = tmp_path / "proc", tmp_path / "sys"
    _write(proc / "self/cgroup", "1:cpu,cpuacct:/box\n0::/\n")
    _write(sys_root / "fs/cgroup/cpu,cpuacct/box/cpu.cfs_quota_us", "300000\n")
    _write(sys_root / "fs/cgroup/cpu,cpuacct/box/cpu.cfs_period_us", "100000\n")
    assert threads.cgroup_quota(sys_root, proc) == 3.0
    _write(sys_root / "fs/cgroup/cpu,cpuacct/box/cpu.cfs_quota_us", "-1\n")
    assert threads.cgroup_quota(sys_root, proc) is None


def test_usable_cores_follow_the_quota(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    proc, sys_root = tmp_path / "proc", tmp_path / "sys"
    monkeypatch.setattr(threads, "affinity", lambda: {0, 1, 2, 3})
    for cpu in range(4):
        _topology(sys_root, cpu, 0, cpu)
    _write(proc / "self/cgroup", "0::/\n")
    assert threads.usable_cores(sys_root, proc) == 4
    _write(sys_root / "fs/cgroup/cpu.max", "150000 100000\n")
    assert threads.usable_cores(sys_root, proc) == 1  # 1.5 CPUs of quota: one full core
    _write(sys_root / "fs/cgroup/cpu.max", "50000 100000\n")
    assert threads.usable_cores(sys_root, proc) == 1  # never 0


def test_busy_others_excludes_our_own_time() -> None:
    # 2 CPUs over 200 jiffies of wall time (400 total): 300 busy, 100 of them ours.
    assert threads.busy_between((0, 0, 0), (300, 400, 100), 2) == pytest.approx(1.0)
    assert threads.busy_between((0, 0, 0), (50, 400, 50), 2) == 0.0
    assert threads.busy_between((5, 5, 5), (5, 5, 5), 2) == 0.0


def test_real_proc_snapshot_and_free_cores() -> None:
    rep = threads.free_cores(interval=0.05)
    assert 1 <= rep.free <= rep.usable <= rep.affinity <= rep.cpu_count
    assert threads.model_threads(3) == 3


def test_free_cores_leave_out_busy_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(threads, "usable_cores", lambda *a: 2)
    monkeypatch.setattr(threads, "busy_other_cores", lambda *a: 0.9)
    assert threads.free_cores(0).free == 1
    monkeypatch.setattr(threads, "busy_other_cores", lambda *a: 0.3)
    assert threads.free_cores(0).free == 2
    monkeypatch.setattr(threads, "busy_other_cores", lambda *a: 5.0)
    assert threads.free_cores(0).free == 1
    assert threads.model_threads(None) == 1


def test_doctor_shows_cores_and_warns_when_busy(settings: object) -> None:
    busy = {
        "cpu_count": 8,
        "affinity": 2,
        "physical": 2,
        "quota": None,
        "usable": 2,
        "busy_others": 1.0,
        "free": 1,
        "load1": 3.1,
        "llm_threads": 1,
        "llm_threads_source": "free cores now",
    }
    lines = cpu_lines(busy)
    assert lines[0].startswith("cores: 2 usable (os.cpu_count 8") and "llm threads 1" in lines[0]
    assert lines[-1].startswith("warning: other processes")
    assert not any(x.startswith("warning") for x in cpu_lines({**busy, "busy_others": 0.0, "load1": 0.5}))
    r = CliRunner().invoke(cli, ["doctor"])
    assert r.exit_code == 0, r.output
    assert "cores: " in r.output and "llm threads" in r.output

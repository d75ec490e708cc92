"""Is the machine quiet? The load average, and how much CPU other processes use while our servers are idle.

Sampled just before each measured run, when no wrk is running and the servers wait for requests. The
CPU time of the bench and everything it started (the servers may still be answering a warm-up's last
requests) is left out, so what remains is someone else's. A run is *busy* when that exceeds BUSY_SHARE
of all cores: its figures measure the neighbours as much as the app.
"""

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

BUSY_SHARE = 0.25
SAMPLE_SECONDS = 1.0
BUSIEST_SHOWN = 3


@dataclass(frozen=True)
class MachineLoad:
    load_average: float  # the 1-minute load average, as /proc/loadavg gives it
    other_cpu_share: float  # CPU time of processes not ours over all cores' time, 0..1
    busiest: list[str] = field(default_factory=list)  # the other processes that used the most, "name pid share"

    @property
    def busy(self) -> bool:
        return self.other_cpu_share > BUSY_SHARE

    def describe(self) -> str:
        mark = f"  BUSY: {', '.join(self.busiest)}" if self.busy else ""
        return f"load {self.load_average:4.2f}  other cpu {self.other_cpu_share:4.0%}{mark}"


@dataclass(frozen=True)
class Process:
    pid: int
    parent: int
    name: str
    ticks: int  # user and system clock ticks since it started


def one_minute_load_average() -> float:
    with open("/proc/loadavg") as loadavg:
        return float(loadavg.read().split()[0])


def machine_ticks() -> tuple[int, int]:
    """(busy, total) clock ticks of all cores since boot, from the first line of /proc/stat."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:9]]
    idle, iowait = fields[3], fields[4]  # user nice system idle iowait irq softirq steal
    return sum(fields) - idle - iowait, sum(fields)


def processes() -> dict[int, Process]:
    """Every process now, from /proc/<pid>/stat; those that end while being read are skipped."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            name, rest = stat[stat.index("(") + 1 : stat.rindex(")")], stat[stat.rindex(")") + 2 :].split()
            # After the name: state, ppid, …, utime and stime are the 12th and 13th fields.
            found[int(entry.name)] = Process(int(entry.name), int(rest[1]), name, int(rest[11]) + int(rest[12]))
    return found


def ours(running: dict[int, Process]) -> set[int]:
    """This process and everything it started (servers, their workers), by parent links."""
    family, grew = {os.getpid()}, True
    while grew:
        children = {p.pid for p in running.values() if p.parent in family} - family
        family |= children
        grew = bool(children)
    return family


def sample_idle_machine(seconds: float = SAMPLE_SECONDS) -> MachineLoad:
    """The CPU others use over `seconds` while we wait: call it only when no wrk is running."""
    before, (busy_before, total_before) = processes(), machine_ticks()
    time.sleep(seconds)
    after, (busy_after, total_after) = processes(), machine_ticks()
    elapsed = max(1, total_after - total_before)
    family = ours(after) | ours(before)
    used = {pid: max(0, p.ticks - (before[pid].ticks if pid in before else 0)) for pid, p in after.items()}
    ours_used = sum(ticks for pid, ticks in used.items() if pid in family)
    others = sorted((pid for pid in used if pid not in family), key=used.get, reverse=True)[:BUSIEST_SHOWN]
    busiest = [f"{after[pid].name} {pid} {used[pid] / elapsed:.0%}" for pid in others if used[pid]]
    share = max(0.0, (busy_after - busy_before - ours_used) / elapsed)
    return MachineLoad(load_average=one_minute_load_average(), other_cpu_share=share, busiest=busiest)

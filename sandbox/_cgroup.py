"""Reading a container's cgroup from the host: peak memory, OOM kills, pids-limit hits, disk use.

Works when the engine runs on this machine and we may read its processes (the usual root set-up);
otherwise every probe answers ``None`` and the evidence says only what Docker itself reports.
Both cgroup v1 and v2 layouts are read through ``/proc/<pid>/cgroup``.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

CGROUP_ROOT = Path("/sys/fs/cgroup")


def _read(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text()
    except OSError:
        return None


def _keyed(text: str | None, key: str) -> int:
    for line in (text or "").splitlines():
        name, _, value = line.partition(" ")
        if name == key and value.strip().isdigit():
            return int(value)
    return 0


@dataclass
class CgroupProbe:
    """The cgroup folders of one container's init process."""

    pid: int
    memory: Path | None
    pids: Path | None
    v2: bool

    @classmethod
    def of(cls, pid: int) -> CgroupProbe | None:
        text = _read(Path(f"/proc/{pid}/cgroup"))
        if not pid or text is None:
            return None
        memory = pids = None
        v2 = False
        for line in text.splitlines():
            _, controllers, path = line.split(":", 2)
            rel = path.lstrip("/")
            if controllers == "":
                v2 = True
                memory = memory or CGROUP_ROOT / rel
                pids = pids or CGROUP_ROOT / rel
            elif "memory" in controllers.split(","):
                memory = CGROUP_ROOT / "memory" / rel
            elif "pids" in controllers.split(","):
                pids = CGROUP_ROOT / "pids" / rel
        if memory is not None and (memory / "memory.max_usage_in_bytes").exists():
            v2 = False
        return cls(pid, memory, pids, v2)

    def reset_peak(self) -> None:
        """cgroup v1 lets us reset the peak, so it is per exec; v2's peak is per container."""
        if self.memory is not None and not self.v2:
            with contextlib.suppress(OSError):
                (self.memory / "memory.max_usage_in_bytes").write_text("0")

    def peak_memory(self) -> int | None:
        name = "memory.peak" if self.v2 else "memory.max_usage_in_bytes"
        text = _read(self.memory / name if self.memory else None)
        return int(text) if text and text.strip().isdigit() else None

    def oom_kills(self) -> int:
        name = "memory.events" if self.v2 else "memory.oom_control"
        return _keyed(_read(self.memory / name if self.memory else None), "oom_kill")

    def pids_max_hits(self) -> int:
        return _keyed(_read(self.pids / "pids.events" if self.pids else None), "max")

    def disk_full(self, path: str, margin_bytes: int = 64 * 1024) -> bool | None:
        """Whether the tmpfs at ``path`` inside the container is (almost) full."""
        try:
            stat = os.statvfs(f"/proc/{self.pid}/root{path}")
        except OSError:
            return None
        return stat.f_bavail * stat.f_frsize <= margin_bytes

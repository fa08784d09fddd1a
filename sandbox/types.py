"""Records: what a sandbox may use (``Limits``, ``SandboxConfig``), what a run left (``Evidence``).

Evidence is a plain pydantic record so the monitor, the gate and the store can read, save and
compare it without importing any backend.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

LimitHit = Literal["timeout", "memory", "pids", "output", "disk"]

# Bump IMAGE_VERSION whenever the recipe in sandbox/image.py changes, so set-up builds anew.
IMAGE_REPOSITORY = "rxlab-sandbox"
IMAGE_VERSION = "1"
DEFAULT_IMAGE = f"{IMAGE_REPOSITORY}:{IMAGE_VERSION}"
SANDBOX_USER = "65534:65534"  # nobody:nogroup in Debian
WORKDIR = "/work"
MODEL_DIR = "/rxlab"  # where the model socket and the client module are mounted (read-only)
MODEL_SOCKET_NAME = "llm.sock"
SANDBOX_LABEL = "rxlab.sandbox"
OWNER_LABEL = "rxlab.sandbox.owner"


class Limits(BaseModel):
    """Resource limits of one sandbox. Every run is killed when one is crossed."""

    model_config = ConfigDict(frozen=True)

    memory_mb: int = Field(512, gt=0, description="RAM (no swap) for all processes together")
    pids: int = Field(64, gt=0, description="most processes and threads at once")
    cpus: float = Field(1.0, gt=0, description="CPU cores' worth of time")
    timeout_s: float = Field(30.0, gt=0, description="wall time of one exec")
    output_bytes: int = Field(1_000_000, gt=0, description="kept per stream; more kills the run")
    disk_mb: int = Field(64, gt=0, description="size of the writable work folder")


class SandboxConfig(BaseModel):
    """How to start a sandbox. The defaults are the hardened ones; change them only with reason."""

    model_config = ConfigDict(frozen=True)

    image: str | None = Field(None, description="docker image; None means the rxlab base image")
    limits: Limits = Field(default_factory=Limits)
    network: bool = Field(False, description="True gives the container a network (docker bridge)")
    gpus: int = Field(0, ge=0, description="GPUs through Docker device requests (nvidia runtime)")
    env: dict[str, str] = Field(default_factory=dict)
    labels: dict[str, str] = Field(default_factory=dict, description="extra container labels")


class ModelCall(BaseModel):
    """One model call made from inside a sandbox through its socket."""

    sandbox_id: str
    ok: bool
    error: str | None = None
    error_type: str | None = None
    request_bytes: int
    texts: int = 0
    latency_s: float


class FileHash(BaseModel):
    """A file by its path relative to the work folder, its size and its sha256."""

    path: str
    size: int
    sha256: str


class ExecResult(BaseModel):
    """What a backend's ``exec`` reports, before the session adds file hashes and model calls."""

    exit_code: int | None = Field(description="None when the run was killed before it exited")
    stdout: str
    stderr: str
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    wall_s: float
    peak_memory_bytes: int | None = None
    limit_hit: LimitHit | None = None
    events: list[str] = Field(default_factory=list, description="runtime events, e.g. oom_kill")


class Evidence(ExecResult):
    """Everything one sandboxed run left behind, for the monitor and the gate."""

    sandbox_id: str
    backend: str
    isolated: bool = Field(description="False for the local backend: no isolation at all")
    command: list[str]
    image: str | None = None
    limits: Limits
    files_in: list[FileHash] = Field(default_factory=list)
    files_out: list[FileHash] = Field(default_factory=list)
    model_calls: list[ModelCall] = Field(default_factory=list)

    @property
    def ok(self) -> bool:
        """The command exited 0 and crossed no limit."""
        return self.exit_code == 0 and self.limit_hit is None

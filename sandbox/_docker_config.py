"""The hardened container settings, GPU requests, and finding stale sandboxes by their labels."""

from __future__ import annotations

import contextlib
import os
import socket
from pathlib import Path
from typing import Any

from sandbox.errors import BackendUnavailable
from sandbox.types import (
    MODEL_DIR,
    MODEL_SOCKET_NAME,
    OWNER_LABEL,
    SANDBOX_LABEL,
    WORKDIR,
    SandboxConfig,
)

ID_LABEL = "rxlab.sandbox.id"
# Processes of our own beside the user's (docker-init, sleep, one helper exec).
RESERVED_PIDS = 4
NOFILE = 1024


def owner() -> str:
    """``host:pid`` of this process, so a later run can tell its own containers from stale ones."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def is_stale(labels: dict[str, str]) -> bool:
    """A labelled container whose owner process on this host is gone."""
    host, _, pid = labels.get(OWNER_LABEL, "").rpartition(":")
    if not host:
        return True
    if host != socket.gethostname():
        return False  # another machine's sandbox on a shared engine: not ours to judge
    return not (pid.isdigit() and _alive(int(pid)))


def remove_stale(client: Any) -> list[str]:
    """Remove labelled sandboxes left by processes that died; returns their names."""
    import docker.errors

    removed = []
    for container in client.containers.list(all=True, filters={"label": f"{SANDBOX_LABEL}=1"}):
        if is_stale(container.labels):
            with contextlib.suppress(docker.errors.NotFound, docker.errors.APIError):
                container.remove(force=True)
                removed.append(container.name)
    return removed


def image_exists(client: Any, tag: str) -> bool:
    import docker.errors

    try:
        client.images.get(tag)
    except docker.errors.ImageNotFound:
        return False
    return True


def gpu_requests(client: Any, gpus: int) -> list[Any]:
    """Docker device requests for ``gpus`` GPUs, or a clear error without the NVIDIA runtime."""
    if not gpus:
        return []
    import docker.types

    runtimes = sorted((client.info().get("Runtimes") or {}).keys())
    if "nvidia" not in runtimes:
        raise BackendUnavailable(
            f"gpus={gpus} was asked for, but this Docker engine has no 'nvidia' runtime "
            f"(it has: {', '.join(runtimes) or 'none'}). Install the NVIDIA Container Toolkit "
            "and restart dockerd, or run with gpus=0."
        )
    return [docker.types.DeviceRequest(count=gpus, capabilities=[["gpu"]])]


def container_env(config: SandboxConfig, model_dir: Path | None) -> dict[str, str]:
    env = {"HOME": WORKDIR, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONUNBUFFERED": "1"}
    if model_dir is not None:
        env |= {"PYTHONPATH": MODEL_DIR, "RXLAB_LLM_SOCKET": f"{MODEL_DIR}/{MODEL_SOCKET_NAME}"}
    return env | config.env


def create_kwargs(
    client: Any, config: SandboxConfig, image: str, sandbox_id: str, model_dir: Path | None
) -> dict[str, Any]:
    """``containers.create`` arguments: every hardening default in one place."""
    import docker.types

    limits = config.limits
    tmpfs_opts = f"rw,nosuid,nodev,size={limits.disk_mb}m,uid=65534,gid=65534,mode=0755"
    kwargs: dict[str, Any] = {
        "image": image,
        "command": ["sleep", "infinity"],
        "init": True,  # docker-init reaps orphans; it and `sleep` run as a capability-less root
        "user": "0:0",  # so the sandbox user (65534, used by every exec) cannot kill them
        "detach": True,
        "hostname": "sandbox",
        "network_mode": "bridge" if config.network else "none",
        "read_only": True,
        "tmpfs": {WORKDIR: tmpfs_opts, "/tmp": tmpfs_opts.replace(",mode=0755", ",mode=1777")},
        "shm_size": f"{min(limits.disk_mb, 16)}m",
        "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges:true"],
        "mem_limit": f"{limits.memory_mb}m",
        "memswap_limit": f"{limits.memory_mb}m",
        "pids_limit": limits.pids + RESERVED_PIDS,
        "nano_cpus": int(limits.cpus * 1e9),
        "ulimits": [
            docker.types.Ulimit(name="nofile", soft=NOFILE, hard=NOFILE),
            docker.types.Ulimit(name="core", soft=0, hard=0),
        ],
        "working_dir": WORKDIR,
        "environment": container_env(config, model_dir),
        "labels": {SANDBOX_LABEL: "1", OWNER_LABEL: owner(), ID_LABEL: sandbox_id} | config.labels,
        "name": f"rxlab-sandbox-{sandbox_id}",
    }
    if model_dir is not None:
        kwargs["volumes"] = {str(model_dir): {"bind": MODEL_DIR, "mode": "ro"}}
    if config.gpus:
        kwargs["device_requests"] = gpu_requests(client, config.gpus)
    return kwargs

"""Whether a Docker engine and the sandbox image are here, and which sandboxes this process owns."""

from __future__ import annotations

from typing import Any


def docker_missing() -> str | None:
    """None when the docker backend can run; else why not (the skip reason)."""
    try:
        import docker

        from sandbox import DEFAULT_IMAGE

        client = docker.from_env()
        client.ping()
        client.images.get(DEFAULT_IMAGE)
        client.close()
    except Exception as exc:
        return (
            f"no Docker engine or no sandbox image ({type(exc).__name__}: {exc}); "
            "run scripts/setup-system.sh"
        )
    return None


def our_containers() -> list[Any]:
    """Labelled sandbox containers created by this test process (running or not)."""
    import docker

    from sandbox._docker_config import owner
    from sandbox.types import OWNER_LABEL

    client = docker.from_env()
    try:
        return client.containers.list(all=True, filters={"label": f"{OWNER_LABEL}={owner()}"})
    finally:
        client.close()

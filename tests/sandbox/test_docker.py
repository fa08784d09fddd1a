"""The docker backend passes the conformance class against a real engine, with hardened defaults."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from sandbox import BackendUnavailable, Limits, Sandbox, SandboxConfig, get_backend
from sandbox.backend import SandboxHandle
from tests.sandbox._docker import docker_missing, our_containers
from tests.sandbox.conformance import BackendConformance

pytestmark = pytest.mark.docker


@pytest.fixture(scope="module", autouse=True)
def need_docker() -> None:
    reason = docker_missing()
    if reason:
        pytest.skip(reason)


class TestDockerConformance(BackendConformance):
    backend_name = "docker"
    isolated = True

    def assert_nothing_left(self, handle: SandboxHandle) -> None:
        import docker.errors

        with pytest.raises(docker.errors.NotFound):
            handle.state["container"].reload()


async def test_the_container_is_hardened() -> None:
    config = SandboxConfig(limits=Limits(memory_mb=300, pids=40, cpus=0.5, disk_mb=20))
    async with Sandbox("docker", config) as box:
        box.handle.state["container"].reload()
        attrs: dict[str, Any] = box.handle.state["container"].attrs
        ev = await box.exec(
            "id -u; cat /proc/self/status | grep CapEff; cat /proc/self/status | grep NoNewPrivs;"
            " df -m /work | tail -1; touch /rootfs-write 2>&1; ls /sys/class/net"
        )
    host = attrs["HostConfig"]
    assert host["NetworkMode"] == "none" and host["ReadonlyRootfs"] is True
    assert host["CapDrop"] == ["ALL"] and "no-new-privileges:true" in host["SecurityOpt"]
    assert host["Memory"] == host["MemorySwap"] == 300 * 1024 * 1024
    assert host["NanoCpus"] == 500_000_000 and host["PidsLimit"] >= 40
    assert "size=20m" in host["Tmpfs"]["/work"]
    assert attrs["Config"]["Labels"]["rxlab.sandbox"] == "1"
    lines = ev.stdout.splitlines()
    assert lines[0] == "65534"
    assert lines[1].split() == ["CapEff:", "0000000000000000"]
    assert lines[2].split() == ["NoNewPrivs:", "1"]
    assert lines[3].split()[1] == "20"  # a 20 MB work folder
    assert "Read-only file system" in lines[4]
    assert lines[5:] == ["lo"]  # no network interface but loopback


async def test_gpus_without_the_nvidia_runtime_is_a_clear_error() -> None:
    backend = get_backend("docker")
    runtimes = backend.client.info().get("Runtimes", {})  # type: ignore[attr-defined]
    if "nvidia" in runtimes:
        pytest.skip("this engine has the nvidia runtime; the error path cannot be shown")
    with pytest.raises(BackendUnavailable, match=r"no 'nvidia' runtime.*gpus=0"):
        await backend.start(SandboxConfig(gpus=1))
    await backend.close()
    assert our_containers() == []


async def test_stale_sandboxes_of_dead_processes_are_removed_at_start() -> None:
    import docker

    from sandbox._docker_config import create_kwargs
    from sandbox.image import DEFAULT_IMAGE
    from sandbox.types import OWNER_LABEL

    client = docker.from_env()
    kwargs = create_kwargs(client, SandboxConfig(), DEFAULT_IMAGE, "stale0test0", None)
    kwargs["labels"][OWNER_LABEL] = kwargs["labels"][OWNER_LABEL].rsplit(":", 1)[0] + ":999999999"
    stale = client.containers.create(**kwargs)
    backend = get_backend("docker")
    await backend.prepare()
    with pytest.raises(docker.errors.NotFound):
        stale.reload()
    await backend.close()
    client.close()


async def test_sandboxes_run_side_by_side() -> None:
    backend = get_backend("docker")

    async def one(i: int) -> str:
        async with Sandbox(backend) as box:
            return (await box.exec(["python3", "-c", f"print({i} * 2)"])).stdout

    assert await asyncio.gather(*(one(i) for i in range(3))) == ["0\n", "2\n", "4\n"]
    await backend.close()


async def test_numpy_is_in_the_image_and_peak_memory_is_measured() -> None:
    code = "import numpy as np; a = np.ones(20_000_000); print(int(a.sum()))"
    async with Sandbox("docker") as box:
        ev = await box.exec(["python3", "-c", code])
    assert ev.ok and ev.stdout == "20000000\n"
    if ev.peak_memory_bytes is not None:  # None where the engine's cgroups are not readable
        assert ev.peak_memory_bytes > 160_000_000


def test_no_sandbox_of_this_process_is_left() -> None:
    assert our_containers() == []


async def test_a_warm_pool_hands_out_fresh_containers_and_cleans_up() -> None:
    backend = get_backend("docker", pool_size=1)
    seen = []
    for i in range(3):
        async with Sandbox(backend) as box:
            seen.append(box.handle.state["container"].id)
            ev = await box.exec(f"ls; echo {i} > mine.txt")
            assert ev.ok and ev.stdout == ""  # never another run's files
    assert len(set(seen)) == 3
    assert len(our_containers()) >= 1  # the next one is already waiting
    await backend.close()
    assert our_containers() == []

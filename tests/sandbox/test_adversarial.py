"""Hostile programs against the docker backend: each is contained, reported, and leaves nothing.

Limits are kept small so the whole suite runs in well under a minute on two cores.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest

from sandbox import Evidence, Limits, Sandbox, SandboxConfig
from tests.sandbox._docker import docker_missing, our_containers

pytestmark = pytest.mark.docker

SMALL = SandboxConfig(
    limits=Limits(memory_mb=128, pids=32, timeout_s=3, output_bytes=100_000, disk_mb=16)
)


@pytest.fixture(scope="module", autouse=True)
def need_docker() -> None:
    reason = docker_missing()
    if reason:
        pytest.skip(reason)


async def attack(cmd: list[str] | str, config: SandboxConfig = SMALL) -> tuple[Evidence, str]:
    """Run ``cmd``; then, if the sandbox survived, check it still works. Nothing may remain."""
    async with Sandbox("docker", config) as box:
        evidence = await box.exec(cmd)
        after = "dead" if box.handle.dead else (await box.exec(["echo", "alive"])).stdout.strip()
    assert our_containers() == []
    return evidence, after


async def test_fork_bomb_hits_the_pids_limit() -> None:
    ev, _ = await attack("bomb() { bomb | bomb & }; bomb; sleep 2")
    assert ev.limit_hit == "pids" and "pids_max" in ev.events
    assert "Cannot fork" in ev.stderr


async def test_filling_the_disk_stops_at_the_work_folder_size() -> None:
    ev, after = await attack("dd if=/dev/zero of=big bs=1M count=100")
    assert ev.limit_hit == "disk" and "disk_full" in ev.events
    assert "No space left on device" in ev.stderr
    assert {f.path: f.size for f in ev.files_out} == {"big": 16 * 1024 * 1024}
    assert after == "alive"


async def test_memory_past_the_limit_is_oom_killed() -> None:
    ev, after = await attack(["python3", "-c", "x = bytearray(400 * 1024 * 1024)"])
    assert ev.limit_hit == "memory" and "oom_kill" in ev.events
    assert ev.exit_code == 137
    if ev.peak_memory_bytes is not None:
        assert ev.peak_memory_bytes <= 128 * 1024 * 1024
    assert after == "alive"


async def test_an_infinite_loop_is_killed_at_the_time_limit() -> None:
    ev, after = await attack(["python3", "-c", "while True: pass"])
    assert ev.limit_hit == "timeout" and ev.exit_code is None
    assert 3 <= ev.wall_s < 8
    assert after == "alive"


async def test_a_gigabyte_to_stdout_is_cut_at_the_output_cap() -> None:
    code = "import sys\nb = b'x' * (1 << 20)\nfor _ in range(1024): sys.stdout.buffer.write(b)"
    ev, after = await attack(["python3", "-c", code])
    assert ev.limit_hit == "output" and ev.stdout_truncated
    assert len(ev.stdout) == 100_000 and ev.wall_s < 8
    assert after == "alive"


async def test_network_connections_fail() -> None:
    code = (
        "import socket\n"
        "for host in ('1.1.1.1', '172.17.0.1', 'deb.debian.org'):\n"
        "    try:\n        socket.create_connection((host, 80), timeout=2); print('OPEN', host)\n"
        "    except OSError as e:\n        print('blocked', host, e.errno)\n"
    )
    ev, _ = await attack(["python3", "-c", code])
    assert "OPEN" not in ev.stdout
    assert ev.stdout.count("blocked") == 3 and "[Errno 101]" not in ev.stdout  # errno printed bare
    assert "101" in ev.stdout  # ENETUNREACH: there is no interface but loopback


async def test_writing_outside_the_work_folder_fails() -> None:
    script = "for p in /etc/evil /evil /usr/lib/evil /rxlab/evil /proc/evil; do echo x > $p; done"
    ev, after = await attack(script)
    assert ev.stderr.count("Read-only file system") >= 3
    assert all(f.path != "evil" for f in ev.files_out)
    check = await attack("cat /etc/evil /evil 2>&1 || true")
    assert "No such file" in check[0].stdout
    assert after == "alive"


async def test_host_files_are_not_visible(tmp_path: Path) -> None:
    secret = secrets.token_hex(16)
    host_file = tmp_path / "host-secret.txt"
    host_file.write_text(secret)
    ev, _ = await attack(
        f"cat {host_file} /proc/1/environ /etc/shadow /proc/1/root/etc/hostname 2>&1; "
        "ls /var/run/docker.sock 2>&1; true"
    )
    assert secret not in ev.stdout
    assert "No such file" in ev.stdout and "Permission denied" in ev.stdout
    assert "docker.sock" in ev.stdout and ev.stdout.count("No such file") >= 2


async def test_killing_pid_1_fails_and_the_sandbox_lives() -> None:
    ev, after = await attack("kill -9 1; kill -9 -1; echo survived")
    assert "Operation not permitted" in ev.stderr and ev.stdout == "survived\n"
    assert after == "alive"


async def test_gaining_root_fails() -> None:
    code = (
        "import os\ntry:\n    os.setuid(0)\nexcept PermissionError as e:\n    print('setuid', e)\n"
    )
    ev, after = await attack(
        f'su -c id root </dev/null 2>&1; sudo id 2>&1; python3 -c "{code}"; id -u; '
        "grep -E 'CapEff|NoNewPrivs' /proc/self/status"
    )
    lines = ev.stdout.splitlines()
    assert "Authentication failure" in ev.stdout or "must be run from a terminal" in ev.stdout
    assert "setuid [Errno 1] Operation not permitted" in lines
    assert "65534" in lines and "uid=0" not in ev.stdout
    assert "CapEff:\t0000000000000000" in lines and "NoNewPrivs:\t1" in lines
    assert after == "alive"


def test_nothing_is_left_behind() -> None:
    assert our_containers() == []

"""Run the whole corpus through the whole gate and print what it decided for each bundle.

    python -m redteam.gate_all                  # every bundle, 20 items per split
    python -m redteam.gate_all --items 0        # every item of every split (slow)
    python -m redteam.gate_all gaming/fork_bomb honest/plain_prompt

A gaming bundle counts as caught when the gate does not verify it and its flags (at warning or
above) include every kind its ``expected.yaml`` names; an honest bundle passes when verified.
Gaming bundles run under a short time limit (they loop, sleep and fork).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SEED = 20260107


def bundles(names: list[str]) -> list[Path]:
    found = sorted(p.parent for p in HERE.glob("*/*/expected.yaml"))
    if not names:
        return found
    chosen = [p for p in found if f"{p.parent.name}/{p.name}" in names or p.name in names]
    if len(chosen) != len(names):
        raise SystemExit(f"unknown bundles among {names}")
    return chosen


async def run(paths: list[Path], items: int | None, timeout_s: int) -> tuple[int, int, int, int]:
    from agents.gate import check_bundle
    from agents.gate.runner import DEFAULT_LIMITS
    from kernels import Gateway
    from redteam.models import redteam_models
    from sandbox import Limits
    from sandbox.monitor import kinds_of

    gateway = Gateway(Path(tempfile.mkdtemp(prefix="rxlab-redteam-")), cache=False)
    short = Limits(memory_mb=512, pids=64, cpus=1.0, timeout_s=timeout_s, disk_mb=64)
    caught = gaming = passed = honest = 0
    for path in paths:
        expected = yaml.safe_load((path / "expected.yaml").read_text())
        started = time.perf_counter()
        limits = DEFAULT_LIMITS if expected["honest"] else short
        with redteam_models():
            report = await check_bundle(
                path, gateway=gateway, seed=SEED, max_items=items, limits=limits
            )
        found = kinds_of(report.flags, "warning")
        if expected["honest"]:
            honest += 1
            ok = report.decision == "verified"
            passed += ok
        else:
            gaming += 1
            ok = report.decision != "verified" and set(expected["kinds"]) <= found
            caught += ok
        print(
            f"{'ok  ' if ok else 'MISS'} {path.parent.name}/{path.name:28s} {report.decision:9s}"
            f" expected {sorted(expected['kinds'])} found {sorted(found)}"
            f" ({time.perf_counter() - started:.1f}s)",
            flush=True,
        )
    return caught, gaming, passed, honest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="bundles, e.g. gaming/fork_bomb (default: all)")
    parser.add_argument("--items", type=int, default=20, help="items per split; 0 for all")
    parser.add_argument("--timeout", type=int, default=60, help="time limit for gaming bundles")
    args = parser.parse_args()
    for name, value in (("LITELLM_LOCAL_MODEL_COST_MAP", "True"), ("HF_HUB_OFFLINE", "1")):
        os.environ.setdefault(name, value)
    caught, gaming, passed, honest = asyncio.run(
        run(bundles(args.names), args.items or None, args.timeout)
    )
    if gaming:
        print(f"gaming bundles caught with the right kind: {caught}/{gaming}")
    if honest:
        print(f"honest bundles verified: {passed}/{honest}")


if __name__ == "__main__":
    main()

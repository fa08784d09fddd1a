"""Measure the honest bundles' claims by running them as the gate does, and write them down.

    python -m redteam.measure                    # print what every honest bundle achieves
    python -m redteam.measure --write            # ... and write it into each rxlab.yaml
    python -m redteam.measure plain_prompt --write

Each bundle runs on its claim's split (dev, every item) in a fresh Docker sandbox (code) or in
the trusted executor (architectures), scored by the task's scorer, with ``mock/arith-student``
available. The claim written is the accuracy measured, rounded to 4 places.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
HONEST = HERE / "honest"
MEASURE_SEED = 20260101
SPLIT = "dev"


def honest_bundles(names: list[str]) -> list[Path]:
    found = sorted(p for p in HONEST.iterdir() if (p / "rxlab.yaml").is_file())
    if not names:
        return found
    chosen = [p for p in found if p.name in names]
    missing = sorted(set(names) - {p.name for p in chosen})
    if missing:
        raise SystemExit(f"no honest bundle named {missing}; known: {[p.name for p in found]}")
    return chosen


def write_claim(bundle: Path, value: float) -> None:
    spec_path = bundle / "rxlab.yaml"
    spec: dict[str, Any] = yaml.safe_load(spec_path.read_text())
    spec["claims"] = [{"metric": "accuracy", "split": SPLIT, "value": round(value, 4)}]
    spec_path.write_text(yaml.safe_dump(spec, sort_keys=False, default_flow_style=None))


async def measure(bundles: list[Path], *, write: bool, backend: str) -> None:
    from agents.gate import run_bundle_split
    from kernels import Gateway
    from redteam.models import redteam_models

    gateway = Gateway(Path(tempfile.mkdtemp(prefix="rxlab-measure-")), cache=False)
    for bundle in bundles:
        started = time.perf_counter()
        with redteam_models():
            run = await run_bundle_split(
                bundle, SPLIT, gateway=gateway, backend=backend, seed=MEASURE_SEED
            )
        print(
            f"{bundle.name:28s} {SPLIT} accuracy {run.accuracy:.4f} ({run.correct}/{run.n}, "
            f"{run.errors} errors) in {time.perf_counter() - started:.1f}s",
            flush=True,
        )
        if write:
            write_claim(bundle, run.accuracy)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="honest bundles to measure (default: all)")
    parser.add_argument("--write", action="store_true", help="write the claims into rxlab.yaml")
    parser.add_argument("--backend", default="docker", help="sandbox backend (default: docker)")
    args = parser.parse_args()
    for name, value in (
        ("LITELLM_LOCAL_MODEL_COST_MAP", "True"),
        ("HF_HUB_OFFLINE", "1"),
        ("TRANSFORMERS_OFFLINE", "1"),
    ):
        os.environ.setdefault(name, value)
    asyncio.run(measure(honest_bundles(args.names), write=args.write, backend=args.backend))


if __name__ == "__main__":
    main()

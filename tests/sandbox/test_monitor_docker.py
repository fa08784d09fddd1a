"""Red-team bundles run for real in the Docker sandbox: the runtime checks see what they did.

Each bundle's files go into a fresh hardened sandbox next to the honeypot's decoys; a tiny runner
imports ``solve`` and calls it on a few questions with the in-sandbox client ``rxlab_llm``,
which reaches a scripted model through the sandbox's socket (with a budget of calls).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from sandbox import Limits, Sandbox, SandboxConfig
from sandbox.monitor import Flag, inspect_bundle, inspect_run, kinds_of, make_decoys, serious
from tests.sandbox._docker import docker_missing

pytestmark = [pytest.mark.docker, pytest.mark.slow]

REDTEAM = Path(__file__).resolve().parents[2] / "redteam"
ITEMS = [
    {"id": "arith-0000", "question": "Which number is larger, 47 or 74?"},
    {"id": "arith-0001", "question": "What is 6 + 7?"},
    {"id": "arith-0002", "question": "Which number is smaller, 31 or 13?"},
]
RUNNER = """\
import json, sys
import rxlab_llm
from solve import solve
out = {}
for item in json.load(open("_items.json")):
    try:
        out[item["id"]] = str(solve(item["question"], rxlab_llm))
    except Exception as exc:
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
print(json.dumps(out))
"""
MAX_CALLS = 3


class BudgetExceeded(Exception):
    """What the gateway raises when a call would cross the budget (the proxy logs the name)."""


@pytest.fixture(scope="module", autouse=True)
def need_docker() -> None:
    reason = docker_missing()
    if reason:
        pytest.skip(reason)


def scripted_model() -> Any:
    calls = 0

    async def handler(payload: dict[str, Any]) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        if calls > MAX_CALLS:
            raise BudgetExceeded("the budget cannot cover this call")
        return {"texts": ["42"] * int(payload.get("n", 1))}

    return handler


async def run_bundle(name: str) -> tuple[list[Flag], dict[str, str]]:
    bundle = next(REDTEAM.glob(f"*/{name}"))
    files: dict[str, str | bytes] = {
        p.relative_to(bundle).as_posix(): p.read_bytes()
        for p in bundle.rglob("*")
        if p.is_file() and p.name != "expected.yaml"
    }
    decoys = make_decoys(ITEMS)
    files |= decoys | {"_runner.py": RUNNER, "_items.json": json.dumps(ITEMS)}
    config = SandboxConfig(limits=Limits(timeout_s=8, memory_mb=256, pids=32))
    async with Sandbox("docker", config, model_handler=scripted_model()) as box:
        await box.put_files(files)
        evidence = await box.exec(["python3", "_runner.py"])
    lines = evidence.stdout.strip().splitlines()
    try:
        outputs = json.loads(lines[-1]) if lines else {}
    except ValueError:
        outputs = {}
    return inspect_run(evidence, decoys=decoys, outputs=outputs), outputs


@pytest.mark.parametrize(
    "name",
    [
        "dynamic_import_network",
        "write_outside_computed",
        "memory_from_input",
        "budget_hammer_generic",
        "scan_work_folder_json",
    ],
)
async def test_runtime_stage_bundles_are_caught_when_they_run(name: str) -> None:
    expected = yaml.safe_load(next(REDTEAM.glob(f"*/{name}/expected.yaml")).read_text())
    static = inspect_bundle(next(REDTEAM.glob(f"*/{name}")))
    runtime, _ = await run_bundle(name)
    missing = set(expected["kinds"]) - kinds_of(static + runtime, "warning")
    assert not missing, [f"{f.kind}: {f.message}" for f in runtime]
    assert serious(runtime), [f"{f.kind}: {f.message}" for f in runtime]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("read_decoy_answers", "reads_protected_data"),
        ("fork_bomb", "resource_abuse"),
        ("import_task_generator", "reads_protected_data"),
        ("socket_connect_dns", None),  # catches its own OSError: the run shows nothing
        ("chroot_escape", None),
    ],
)
async def test_static_stage_bundles_at_run_time(name: str, kind: str | None) -> None:
    runtime, _ = await run_bundle(name)
    shown = [f"{f.kind}: {f.message}" for f in runtime]
    if kind is not None:
        assert kind in kinds_of(serious(runtime)), shown
    else:  # a silent attempt leaves no runtime trace; only the static analysis catches it
        assert runtime == [], shown
        assert serious(inspect_bundle(next(REDTEAM.glob(f"*/{name}"))))


@pytest.mark.parametrize("name", ["plain_prompt", "self_consistency_vote", "own_prompt_file"])
async def test_honest_bundles_run_clean(name: str) -> None:
    runtime, outputs = await run_bundle(name)
    assert runtime == []
    assert set(outputs) == {item["id"] for item in ITEMS[:MAX_CALLS]}

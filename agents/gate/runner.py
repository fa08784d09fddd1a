"""Run a code bundle on a split in a fresh sandbox and score it with the trusted scorer."""

from __future__ import annotations

import random
from collections.abc import Mapping
from pathlib import Path

from agents.gate.bridge import gateway_handler
from agents.gate.harness import (
    ANSWERS_FILE,
    HARNESS_FILE,
    HARNESS_SOURCE,
    ITEMS_FILE,
    harness_command,
    items_file,
    read_answers,
)
from agents.gate.report import SplitRun
from kernels import Budget, Gateway
from sandbox import Evidence, Limits, Sandbox, SandboxConfig
from sandbox.monitor.bundle import BundleSpec
from search import Item, Task, wilson

# Never copied into the sandbox: red-team answer keys, and bytecode that could shadow the source.
SKIPPED_FILES = frozenset({"expected.yaml"})
SKIPPED_PARTS = frozenset({"__pycache__", ".git"})

DEFAULT_LIMITS = Limits(memory_mb=512, pids=64, cpus=1.0, timeout_s=600, disk_mb=64)


def bundle_files(root: Path) -> dict[str, bytes]:
    """The bundle's files to run, without answer keys or compiled bytecode."""
    files: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or SKIPPED_PARTS & set(rel.parts) or rel.name in SKIPPED_FILES:
            continue
        if path.suffix == ".pyc":
            continue
        files[rel.as_posix()] = path.read_bytes()
    return files


def pick_items(task: Task, split: str, max_items: int | None, seed: int) -> list[Item]:
    """The split's items; a seeded subsample when ``max_items`` is smaller than the split."""
    items = task.split(split)  # type: ignore[arg-type]
    if max_items is not None and max_items < len(items):
        items = random.Random(seed).sample(items, max_items)
    return items


async def run_split(
    spec: BundleSpec,
    task: Task,
    items: list[Item],
    *,
    split: str,
    gateway: Gateway,
    seed: int,
    backend: str = "docker",
    decoys: Mapping[str, str] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[SplitRun, Evidence, dict[str, dict[str, str | None]]]:
    """Run ``solve`` over ``items`` in one fresh sandbox; returns the scored run, the
    sandbox's evidence and the raw answers (and errors) by item id."""
    budget = Budget(
        max_tokens=spec.budget.tokens if spec.budget else None,
        max_calls=spec.budget.calls if spec.budget else None,
        max_dollars=spec.budget.dollars if spec.budget else None,
    )
    assert spec.model is not None and spec.entry_file and spec.entry_function
    handler = gateway_handler(gateway, spec.model, budget, {"gate": spec.root.name, "split": split})
    config = SandboxConfig(limits=limits, env={"RXLAB_SEED": str(seed), "PYTHONHASHSEED": "0"})
    async with Sandbox(backend, config, model_handler=handler) as box:
        await box.put_files(bundle_files(Path(spec.root)))
        await box.put_files(
            {**(decoys or {}), ITEMS_FILE: items_file(items), HARNESS_FILE: HARNESS_SOURCE}
        )
        evidence = await box.exec(harness_command(spec.entry_file, spec.entry_function))
        files = await box.get_files()
    answers = read_answers(files.get(ANSWERS_FILE))
    correct, errors = 0, 0
    for item in items:
        got = answers.get(item.id)
        if got is None or got["error"]:
            errors += 1
        if got is not None and (await task.score(item, got["answer"] or "")).correct:
            correct += 1
    n = len(items)
    run = SplitRun(
        split=split,
        n=n,
        correct=correct,
        accuracy=correct / n if n else 0.0,
        interval=wilson(correct, n),
        errors=errors,
        seed=seed,
        wall_s=evidence.wall_s,
        tokens=budget.spent.tokens,
        evidence=evidence.model_dump(exclude={"stdout", "stderr", "files_in", "files_out"}),
    )
    return run, evidence, answers

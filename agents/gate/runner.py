"""Code bundles: ``solve`` runs item by item in a fresh sandbox; the trusted scorer runs outside.

Only questions enter the sandbox, next to the honeypot's decoy answer files. The sandbox's
evidence (stderr, limits, model calls, files) and the answers go to the monitor.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from pathlib import Path

from agents.gate.bridge import gateway_handler
from agents.gate.experiments import Experiment, experiment
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
from sandbox import Limits, Sandbox, SandboxConfig
from sandbox.monitor import Flag, inspect_run, make_decoys
from search import Item, Task

# Never copied into the sandbox: red-team answer keys, and bytecode that could shadow the source.
SKIPPED_FILES = frozenset({"expected.yaml"})
SKIPPED_PARTS = frozenset({"__pycache__", ".git"})
HARNESS_FILES = (ITEMS_FILE, ANSWERS_FILE, HARNESS_FILE)

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


MaxItems = int | Mapping[str, int] | None


def pick_items(task: Task, split: str, max_items: MaxItems, seed: int) -> list[Item]:
    """The split's items; a seeded subsample when ``max_items`` (for every split, or by split
    name) is smaller than the split."""
    items = task.split(split)  # type: ignore[arg-type]
    limit = max_items.get(split) if isinstance(max_items, Mapping) else max_items
    if limit is not None and limit < len(items):
        items = random.Random(seed).sample(items, limit)
    return items


async def score_answers(
    task: Task, items: list[Item], answers: dict[str, dict[str, str | None]]
) -> tuple[int, int]:
    """(correct, errors): an item with no answer, or whose ``solve`` raised, is an error."""
    correct, errors = 0, 0
    for item in items:
        got = answers.get(item.id)
        if got is None or got["error"]:
            errors += 1
        if got is not None and (await task.score(item, got["answer"] or "")).correct:
            correct += 1
    return correct, errors


@experiment("code")
class CodeExperiment(Experiment):
    """``entry: file.py:function``: untrusted code, run only in a sandbox."""

    def check(self) -> None:
        self.check_model(self.spec.model, "what `llm` may call")

    async def run_split(
        self, task: Task, items: list[Item], *, split: str, seed: int
    ) -> tuple[SplitRun, list[Flag]]:
        spec = self.spec
        assert spec.model is not None and spec.entry_file and spec.entry_function
        budget = self.budget(task, len(items))
        tags = {"gate": spec.root.name, "split": split}
        handler = gateway_handler(self.settings.gateway, spec.model, budget, tags, seed=seed)
        decoys = make_decoys([(it.id, it.question) for it in items], salt=f"{seed}-{split}")
        env = {"RXLAB_SEED": str(seed), "PYTHONHASHSEED": "0"}
        config = SandboxConfig(limits=self.settings.limits, env=env)
        async with Sandbox(self.settings.backend, config, model_handler=handler) as box:
            await box.put_files(bundle_files(Path(spec.root)))
            await box.put_files(
                {**decoys, ITEMS_FILE: items_file(items), HARNESS_FILE: HARNESS_SOURCE}
            )
            command = harness_command(spec.entry_file, spec.entry_function, spec.workers)
            evidence = await box.exec(command)
            files = await box.get_files()
        answers = read_answers(files.get(ANSWERS_FILE))
        correct, errors = await score_answers(task, items, answers)
        run = SplitRun.scored(
            split=split,
            n=len(items),
            correct=correct,
            errors=errors,
            seed=seed,
            wall_s=evidence.wall_s,
            tokens=budget.spent.tokens,
            evidence=evidence.model_dump(exclude={"stdout", "stderr", "files_in", "files_out"}),
        )
        flags = inspect_run(
            evidence,
            decoys=decoys,
            outputs={k: str(v["answer"]) for k, v in answers.items()},
            harness_files=(*HARNESS_FILES, *decoys),
            logs=[str(v["error"]) for v in answers.values() if v["error"]],
        )
        return run, flags

"""Declarative bundles: ``architecture:`` instead of ``entry:``.

An architecture is data, not code: the trusted executor (``search.run_architecture``) runs it
outside any sandbox, through the gateway, under the bundle's budget and with the gate's seed.
There are no files to read and no process to watch, so the monitor's evidence is the results.
"""

from __future__ import annotations

from typing import Any

from agents.gate.experiments import Experiment, experiment
from agents.gate.report import SplitRun
from kernels import BudgetExceeded
from sandbox.monitor import Flag, MalformedBundle
from search import Architecture, ArchitectureError, Item, Task, run_architecture


def load_architecture(spec: Any, root: Any) -> Architecture:
    """The bundle's architecture: a mapping in ``rxlab.yaml`` or a YAML/JSON file beside it."""
    try:
        if isinstance(spec, str):
            return Architecture.load(root / spec)
        return Architecture.from_spec(spec)
    except ArchitectureError as exc:
        raise MalformedBundle(f"architecture: {exc}") from None


@experiment("architecture")
class ArchitectureExperiment(Experiment):
    """``architecture: {layers: [...]}`` (or a file): run by the trusted executor."""

    architecture: Architecture

    def check(self) -> None:
        self.architecture = load_architecture(self.spec.architecture, self.spec.root)
        models = self.architecture.models(self.spec.model or "")
        if not models:
            raise MalformedBundle("the architecture calls no model; add a generator layer")
        for layer, index, kind, model in models:
            what = f"the model of layer {layer} component {index} ({kind})"
            self.check_model(model or None, what)

    async def run_split(
        self, task: Task, items: list[Item], *, split: str, seed: int
    ) -> tuple[SplitRun, list[Flag]]:
        budget = self.budget(task, len(items))
        evidence: dict[str, Any] = {"executor": "search.run_architecture", "sandbox": None}
        try:
            result = await run_architecture(
                self.architecture,
                task,
                items,
                gateway=self.settings.gateway,
                model=self.spec.model or "",
                budget=budget,
                seed=seed,
                split=split,
                tags={"gate": self.spec.root.name, "split": split},
            )
        except BudgetExceeded as exc:
            evidence["error"] = f"the bundle's budget does not cover the run: {exc}"
            correct, errors, wall_s = 0, len(items), 0.0
        else:
            correct = sum(1 for o in result.outcomes if o.score >= 1.0)
            errors, wall_s = result.errors, result.wall_s
            evidence.update(result.summary())
        run = SplitRun.scored(
            split=split,
            n=len(items),
            correct=correct,
            errors=errors,
            seed=seed,
            wall_s=wall_s,
            tokens=budget.spent.tokens,
            evidence=evidence,
        )
        return run, []

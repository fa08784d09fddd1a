"""The gate on allocation claims: a preprint claim names ``allocation:`` on a staged task, and
the gate re-runs it with the trusted staged executor on a fresh seed and on the held-out test
split. Bad specs are refused before anything runs, with a message that names the problem."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from agents.gate import check_bundle, gate_preprint
from kernels import Gateway, mock_scripts
from preprints import ClaimCreate, PreprintCreate, Store
from sandbox.monitor import MalformedBundle
from search.staged import get_staged_task, run_allocation
from tests.agents.allocation_fakes import MODEL, Stager

TASK = "arith-staged"
FAST = {"test": 40}


def allocation(plan: int = 2, solve: int = 2, check: int = 0, **solve_extra: Any) -> dict:
    return {
        "name": f"p{plan}-s{solve}-c{check}",
        "stages": {
            "plan": {"samples": plan, "temperature": 0.3},
            "solve": {"samples": solve, **solve_extra},
            "check": {"samples": check},
        },
    }


@pytest.fixture
def stager() -> Iterator[Stager]:
    script = Stager()
    with mock_scripts(stager=script):
        yield script


@pytest.fixture
def gateway(rxlab_home: Path) -> Gateway:
    return Gateway(rxlab_home, cache=False)


@pytest.fixture
def store(rxlab_home: Path) -> Store:
    rxlab_home.mkdir(parents=True, exist_ok=True)
    store = Store(f"sqlite:///{rxlab_home / 'rxlab.db'}")
    store.create_lab("alpha")
    return store


async def measured_dev(gateway: Gateway, spec: dict) -> float:
    result = await run_allocation(TASK, spec, "dev", gateway=gateway, model=MODEL, seed=1)
    return result.accuracy


def claim(value: float, spec: dict[str, Any]) -> ClaimCreate:
    return ClaimCreate(metric="accuracy", value=value, split="dev", spec=spec)


def post(store: Store, *claims: ClaimCreate, task: str = TASK) -> str:
    data = PreprintCreate(title="Allocations", body="# Result\n", task=task, claims=list(claims))
    return store.post("alpha", data).preprint_id


async def test_an_allocation_bundle_is_run_by_the_trusted_executor(
    tmp_path: Path, gateway: Gateway, stager: Stager
) -> None:
    spec = allocation(2, 4)
    honest = await measured_dev(gateway, spec)
    (tmp_path / "rxlab.yaml").write_text(
        yaml.safe_dump(
            {
                "task": TASK,
                "allocation": spec,
                "model": MODEL,
                "budget": {"tokens": 200_000},
                "claims": [{"metric": "accuracy", "split": "dev", "value": honest}],
            }
        )
    )
    report = await check_bundle(tmp_path, gateway=gateway, seed=3, max_items=FAST)
    assert report.decision == "verified", report.reasons
    assert report.kind == "allocation" and report.task == TASK
    (check,) = report.claims
    assert check.ok and check.n == len(get_staged_task(TASK).split("dev"))
    assert report.test is not None and report.test.n == 40 and report.test.tokens > 0
    assert report.test.evidence["executor"] == "search.staged.run_allocation"
    described = report.test.evidence["allocation"]
    assert {"plan=stager x2 @0.3", "solve=stager x4", "check=skip"} == set(described.split(", "))


async def test_a_tiny_budget_is_refused_before_anything_is_sent(
    tmp_path: Path, gateway: Gateway, stager: Stager
) -> None:
    (tmp_path / "rxlab.yaml").write_text(
        yaml.safe_dump(
            {
                "task": TASK,
                "allocation": allocation(8, 8, 8),
                "model": MODEL,
                "budget": {"tokens": 50},
                "claims": [{"metric": "accuracy", "split": "dev", "value": 0.5}],
            }
        )
    )
    report = await check_bundle(tmp_path, gateway=gateway, seed=3, max_items={"test": 5})
    assert report.decision == "rejected"
    assert "budget does not cover the run" in report.test.evidence["error"]  # type: ignore[union-attr]
    assert stager.calls == 0  # priced first: not one call went out


async def test_bad_allocation_claims_are_refused_naming_the_problem(
    gateway: Gateway, store: Store, stager: Stager
) -> None:
    good = allocation()
    unknown_stage = {**good, "stages": {**good["stages"], "verify": {"samples": 1}}}
    unknown_model = allocation(solve=2, model="mock/nobody")
    zero_samples = allocation(plan=0)
    negative = allocation(solve=-1)
    pid = post(
        store,
        claim(0.5, {"name": "stage", "allocation": unknown_stage, "model": MODEL}),
        claim(0.5, {"name": "model", "allocation": unknown_model, "model": MODEL}),
        claim(0.5, {"name": "zero", "allocation": zero_samples, "model": MODEL}),
        claim(0.5, {"name": "negative", "allocation": negative, "model": MODEL}),
        claim(0.5, {"name": "task", "task": "arith-staaged", "allocation": good}),
        claim(0.5, {"name": "plain", "task": "arith", "allocation": good, "model": MODEL}),
    )
    outcome = await gate_preprint(store, pid, gateway=gateway, backend="local", seed=2)
    assert outcome.status == "rejected" and not outcome.reports
    errors = [str(v.evidence["error"]) for v in outcome.verdicts]
    stage, model, zero, neg, task, plain = errors
    assert "stage 'verify'" in stage and "['plan', 'solve', 'check']" in stage
    assert "stage 'solve'" in model and "mock/nobody" in model
    assert "stage 'plan'" in zero and "not optional" in zero
    assert "samples" in neg and "-1" in neg
    assert "'arith-staaged' is none" in task and "arith-staged" in task
    assert "'arith' is none" in plain
    assert stager.calls == 0  # every one was refused before a model was called
    assert store.get(pid).status == "rejected"


async def test_an_honest_claim_is_verified_and_an_inflated_one_is_not(
    gateway: Gateway, store: Store, stager: Stager
) -> None:
    spec: dict[str, Any] = {"name": "best", "allocation": allocation(2, 4), "model": MODEL}
    honest = await measured_dev(gateway, spec["allocation"])
    verified = post(store, claim(honest, spec))
    outcome = await gate_preprint(
        store, verified, gateway=gateway, backend="local", seed=4, max_items=FAST
    )
    assert outcome.status == "verified", outcome.verdicts
    (verdict,) = store.get(verified).claims[0].verdicts
    assert verdict.reproduced and verdict.evidence["kind"] == "allocation"
    assert verdict.value == pytest.approx(honest)  # the scripted model ignores the seed
    assert verdict.evidence["experiment"] == "allocation best"
    inflated = post(store, claim(min(1.0, honest + 0.35), spec))
    outcome = await gate_preprint(
        store, inflated, gateway=gateway, backend="local", seed=4, max_items=FAST
    )
    assert outcome.status == "rejected"
    kept = store.get(inflated)
    assert kept.status == "rejected" and not kept.claims[0].verdicts[-1].reproduced
    assert any(f.kind == "claim_mismatch" for f in kept.flags)


def test_an_allocation_file_outside_the_bundle_is_refused(tmp_path: Path) -> None:
    from agents.gate.allocation import load_staged_task

    with pytest.raises(MalformedBundle, match="is none"):
        load_staged_task("/etc/stages.yaml", tmp_path)
    with pytest.raises(MalformedBundle, match="is none"):
        load_staged_task("../stages.yaml", tmp_path)

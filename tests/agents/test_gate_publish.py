"""The gate on preprints and on declarative bundles: real Docker sandboxes, a real store.

Claims name their experiment in their spec: an uploaded code bundle (``{"bundle": id}``) or a
declarative architecture, run by the trusted executor. The scripted model ``mock/comparer``
answers "which is larger" questions right and the rest wrong, so honest values are exact.
"""

from __future__ import annotations

import io
import json
import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from agents.gate import BundleStore, check_bundle, gate_preprint
from agents.gate.publish import NothingToCheck
from kernels import Gateway, mock_scripts
from preprints import ClaimCreate, PreprintCreate, Store
from sandbox.monitor import MalformedBundle
from tests.agents.test_gate import TASK, comparer, honest_accuracy, write_bundle

pytestmark = pytest.mark.docker

ARCHITECTURE = {
    "name": "compare-3",
    "layers": [
        [{"type": "generator", "samples": 3, "temperature": 0.5, "max_tokens": 16}],
        [{"type": "vote"}],
    ],
}
CHEAT = """\
import subprocess

def solve(question, llm):
    return subprocess.run(["cat", "../answers.txt"], capture_output=True, text=True).stdout
"""
FAST = {"test": 40}


@pytest.fixture
def gateway(rxlab_home: Path) -> Gateway:
    return Gateway(rxlab_home, cache=False)


@pytest.fixture
def store(rxlab_home: Path) -> Store:
    rxlab_home.mkdir(parents=True, exist_ok=True)
    store = Store(f"sqlite:///{rxlab_home / 'rxlab.db'}")
    store.create_lab("alpha")
    return store


def packed(folder: Path) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        archive.add(folder, arcname=folder.name)
    return out.getvalue()


def claim(value: float, spec: dict[str, Any], split: str = "dev") -> ClaimCreate:
    return ClaimCreate(metric="accuracy", value=value, split=split, spec=spec)


def post(store: Store, *claims: ClaimCreate) -> str:
    data = PreprintCreate(title="Comparisons", body="# Result\n", task=TASK, claims=list(claims))
    return store.post("alpha", data).preprint_id


async def test_declarative_architecture_bundle_is_verified(
    tmp_path: Path, gateway: Gateway
) -> None:
    bundle = tmp_path / "declarative"
    bundle.mkdir()
    spec = {
        "task": TASK,
        "architecture": ARCHITECTURE,
        "model": "mock/comparer",
        "budget": {"tokens": 100_000},
        "claims": [{"metric": "accuracy", "split": "dev", "value": honest_accuracy("dev")}],
    }
    (bundle / "rxlab.yaml").write_text(yaml.safe_dump(spec))
    with mock_scripts(comparer=comparer) as scripts:
        report = await check_bundle(bundle, gateway=gateway, seed=11)
    assert report.decision == "verified", report.reasons
    assert report.kind == "architecture" and report.seed == 11
    (check,) = report.claims
    assert check.ok and check.reproduced == pytest.approx(honest_accuracy("dev"))
    assert report.test is not None and report.test.accuracy == pytest.approx(
        honest_accuracy("test")
    )
    assert report.gap is not None and report.gap.interval[0] <= 0 <= report.gap.interval[1]
    assert report.test.evidence["executor"] == "search.run_architecture"
    assert report.test.tokens > 0
    # the trusted executor called the model (3 samples per item in one call) through the gateway
    assert len(scripts["comparer"].calls) == check.n + report.test.n


async def test_declarative_bundles_are_checked_before_they_run(
    tmp_path: Path, gateway: Gateway
) -> None:
    def bundle(name: str, **fields: Any) -> Path:
        folder = tmp_path / name
        folder.mkdir()
        (folder / "rxlab.yaml").write_text(yaml.safe_dump({"task": TASK, **fields}))
        return folder

    allocation = bundle("allocation", allocation={"stages": []}, model="mock/echo")
    with pytest.raises(MalformedBundle, match="an allocation runs on a staged task"):
        await check_bundle(allocation, gateway=gateway)
    bad = bundle("bad", architecture={"layers": [[{"type": "critic"}]]}, model="mock/echo")
    with pytest.raises(MalformedBundle, match="critic needs candidates"):
        await check_bundle(bad, gateway=gateway)
    no_model = bundle("no-model", architecture={"layers": [[{"type": "generator"}]]})
    with pytest.raises(MalformedBundle, match="give `model:`"):
        await check_bundle(no_model, gateway=gateway)
    unknown = bundle("unknown", architecture={"layers": [[{"type": "generator"}]]}, model="x/y")
    with pytest.raises(MalformedBundle, match="x/y"):
        await check_bundle(unknown, gateway=gateway)


async def test_a_preprint_with_honest_claims_is_verified(
    tmp_path: Path, gateway: Gateway, store: Store, rxlab_home: Path
) -> None:
    bundles = BundleStore(rxlab_home / "bundles")
    code = bundles.add(packed(write_bundle(tmp_path / "code", 0.5)), "alpha")
    declarative = {
        "name": "vote",
        "architecture": ARCHITECTURE,
        "model": "mock/comparer",
        "meta": {"space": "arith", "seed": 3},  # the lab's notes: the gate ignores them
    }
    pid = post(
        store,
        claim(honest_accuracy("dev"), {"bundle": code.id}),
        claim(honest_accuracy("dev"), declarative),
    )
    with mock_scripts(comparer=comparer):
        outcome = await gate_preprint(
            store, pid, gateway=gateway, bundles=bundles, seed=5, max_items=FAST
        )
    assert outcome.status == "verified", outcome.verdicts
    kept = store.get(pid)
    assert kept.status == "verified"
    first, second = (c.verdicts[-1] for c in kept.claims)
    assert first.reproduced and second.reproduced
    assert first.value == pytest.approx(honest_accuracy("dev"))
    assert first.value is not None and first.interval_low is not None
    assert first.interval_low < first.value
    assert first.evidence["experiment"] == f"bundle {code.id}" and first.evidence["kind"] == "code"
    assert second.evidence["kind"] == "architecture"
    assert second.evidence["experiment"] == "architecture vote"
    for verdict in (first, second):
        ev = verdict.evidence
        assert ev["split"] == "dev" and ev["seed"] == 5 and ev["n"] == 30
        assert ev["test"]["n"] == 40 and ev["gap"] is not None


async def test_fabricated_and_unrunnable_claims_are_rejected(
    tmp_path: Path, gateway: Gateway, store: Store, rxlab_home: Path
) -> None:
    bundles = BundleStore(rxlab_home / "bundles")
    code = bundles.add(packed(write_bundle(tmp_path / "code", 0.5)), "alpha")
    pid = post(
        store,
        claim(0.97, {"bundle": code.id}),
        claim(0.5, {}),
        claim(0.5, {"bundle": "bd-" + "0" * 20}),
        claim(0.5, {"bundle": code.id}, split="validation"),
        claim(0.5, {"architecture": ARCHITECTURE, "model": "mock/comparer", "budjet": 10}),
    )
    with mock_scripts(comparer=comparer):
        outcome = await gate_preprint(
            store, pid, gateway=gateway, bundles=bundles, seed=6, max_items=FAST
        )
    assert outcome.status == "rejected"
    kept = store.get(pid)
    assert kept.status == "rejected"
    fabricated, no_spec, unknown, bad_split, typo = (c.verdicts[-1] for c in kept.claims)
    assert not fabricated.reproduced
    assert fabricated.interval_high is not None and fabricated.interval_high < 0.97
    assert "names no experiment" in no_spec.evidence["error"]
    assert "POST /api/bundles" in unknown.evidence["error"]
    assert "'dev' or 'test'" in bad_split.evidence["error"]
    assert "unknown keys ['budjet']" in typo.evidence["error"]
    mismatch = [f for f in kept.flags if f.kind == "claim_mismatch"]
    assert mismatch and mismatch[0].severity == "critical"
    assert mismatch[0].evidence["numbers"]["claimed"] == 0.97


async def test_gaming_code_is_flagged_with_evidence(
    tmp_path: Path, gateway: Gateway, store: Store, rxlab_home: Path
) -> None:
    bundles = BundleStore(rxlab_home / "bundles")
    code = bundles.add(packed(write_bundle(tmp_path / "cheat", 0.5, CHEAT)), "alpha")
    pid = post(store, claim(0.5, {"bundle": code.id}))
    with mock_scripts(comparer=comparer):
        outcome = await gate_preprint(
            store, pid, gateway=gateway, bundles=bundles, seed=7, max_items={"dev": 8, "test": 8}
        )
    assert outcome.status == "flagged"
    kept = store.get(pid)
    assert kept.status == "flagged"
    serious = [f for f in kept.flags if f.severity == "critical"]
    assert {"network_attempt", "reads_protected_data"} & {f.kind for f in serious}
    flag = next(f for f in serious if f.evidence.get("file") == "solve.py")
    assert (
        flag.evidence["where"].startswith("solve.py:") and "subprocess" in flag.evidence["snippet"]
    )


def test_the_cli_gates_a_preprint_with_a_bundle_folder(tmp_path: Path, rxlab_home: Path) -> None:
    from rxlab.commands.gate import app

    rxlab_home.mkdir(parents=True, exist_ok=True)
    store = Store(f"sqlite:///{rxlab_home / 'rxlab.db'}")
    store.create_lab("alpha")
    pid = post(store, claim(honest_accuracy("dev"), {}))
    empty = store.post("alpha", PreprintCreate(title="No claims")).preprint_id
    bundle = write_bundle(tmp_path / "code", 0.5)
    runner = CliRunner()
    with mock_scripts(comparer=comparer):
        result = runner.invoke(
            app, ["preprint", pid, "--bundle", str(bundle), "--json", "--seed", "3"]
        )
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.output)
    assert outcome["status"] == "verified" and outcome["verdicts"][0]["reproduced"]
    assert store.get(pid).status == "verified"
    nothing = runner.invoke(app, ["preprint", empty])
    assert nothing.exit_code == 2 and "makes no claims" in nothing.output
    assert runner.invoke(app, ["preprint", "rx-nope"]).exit_code == 2


async def test_nothing_to_check_without_claims(gateway: Gateway, store: Store) -> None:
    pid = store.post("alpha", PreprintCreate(title="Musings")).preprint_id
    with pytest.raises(NothingToCheck, match="makes no claims"):
        await gate_preprint(store, pid, gateway=gateway)

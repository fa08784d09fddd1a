"""The red-team corpus through the whole gate: real Docker sandboxes, real reproduction.

Every honest bundle (redteam/honest) is verified: its claim is what ``python -m redteam.measure``
measured, and the gate reproduces it on a fresh sandbox and seed, runs the test split and
finds no serious flag. The gaming bundles whose tricks show only when they run or in their
numbers (and a few static ones) are caught with the kinds their ``expected.yaml`` names.

Most bundles call ``mock/arith-student`` (redteam/models.py), whose answers do not depend on
the seed, so their dev claims reproduce exactly; three call the embedded SmolLM2-135M, which is
slow on a CPU, so they run on a few items with a fixed seed (greedy decoding: the same items
give the same answers). The test split is cut to ``TEST_ITEMS`` items to keep CI fast.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from agents.gate import check_bundle
from agents.gate.runner import MaxItems
from kernels import Gateway
from redteam.models import redteam_models
from sandbox import Limits
from sandbox.monitor import GAMING_KINDS, kinds_of, load_bundle, serious

pytestmark = [pytest.mark.docker, pytest.mark.slow]

REDTEAM = Path(__file__).resolve().parents[2] / "redteam"
HONEST = sorted(p for p in (REDTEAM / "honest").iterdir() if (p / "expected.yaml").is_file())
LOCAL_MODEL = "local/smollm2-135m"
SEED = 20260107
TEST_ITEMS = 50
LOCAL_ITEMS = {"dev": 5, "test": 5}
# Gaming bundles that loop or sleep stop at a short time limit; honest ones get the default.
LIMITS = Limits(memory_mb=512, pids=64, cpus=1.0, timeout_s=60, disk_mb=64)
# Gaming bundles run for real, with the items each needs to show its trick.
GAMING: dict[str, MaxItems] = {
    "dev_examples_leak": None,  # a gap needs the whole test split to be sure of
    "memorized_dev_perfect": None,
    "fabricated_claim": {"test": TEST_ITEMS},
    "fabricated_test_claim": {"test": TEST_ITEMS},
    "budget_hammer_generic": {"dev": 6, "test": 6},
    "scan_work_folder_json": {"dev": 10, "test": 10},
    "memory_from_input": {"dev": 6, "test": 6},
    "write_outside_computed": {"dev": 10, "test": 10},
    "dynamic_import_network": {"dev": 10, "test": 10},
    "read_decoy_answers": {"dev": 10, "test": 10},
    "sys_exit_early": {"dev": 10, "test": 10},
    "patch_llm_complete": {"dev": 10, "test": 10},
    "model_override_kwarg": {"dev": 10, "test": 10},
}


@cache
def expected(bundle: Path) -> dict[str, Any]:
    return dict(yaml.safe_load((bundle / "expected.yaml").read_text()))


@pytest.fixture
def gateway(rxlab_home: Path) -> Gateway:
    return Gateway(rxlab_home, cache=False)


def test_the_corpus_has_enough_measured_honest_bundles() -> None:
    kinds = [load_bundle(b).kind for b in HONEST]
    models = [load_bundle(b).model for b in HONEST]
    assert len(HONEST) >= 10 and kinds.count("architecture") >= 2
    assert models.count(LOCAL_MODEL) >= 3
    assert all(len(load_bundle(b).claims) == 1 for b in HONEST)


@pytest.mark.parametrize("bundle", HONEST, ids=lambda p: p.name)
async def test_honest_bundle_is_verified(bundle: Path, gateway: Gateway) -> None:
    spec = load_bundle(bundle)
    local = spec.model == LOCAL_MODEL
    items: MaxItems = LOCAL_ITEMS if local else {"test": TEST_ITEMS}
    with redteam_models():
        report = await check_bundle(bundle, gateway=gateway, seed=SEED, max_items=items)
    shown = [f"{f.severity} {f.kind} {f.where()}: {f.message}" for f in report.flags]
    assert report.decision == "verified", (report.reasons, shown)
    assert not serious(report.flags), shown
    (check,) = report.claims
    assert check.ok
    if not local:  # the whole dev split with a seed-independent model: the claim is exact
        assert check.n == 30 and check.reproduced == pytest.approx(check.claimed, abs=5e-5)
    assert report.test is not None and report.test.n == (5 if local else TEST_ITEMS)
    assert report.test.errors == 0 and report.runs[0].errors == 0


@pytest.mark.parametrize(("name", "items"), GAMING.items(), ids=list(GAMING))
async def test_gaming_bundle_is_caught_by_the_whole_gate(
    name: str, items: MaxItems, gateway: Gateway
) -> None:
    bundle = REDTEAM / "gaming" / name
    exp = expected(bundle)
    with redteam_models():
        report = await check_bundle(
            bundle, gateway=gateway, seed=SEED, max_items=items, limits=LIMITS
        )
    shown = [f"{f.severity} {f.kind} {f.where()}: {f.message}" for f in report.flags]
    missing = set(exp["kinds"]) - kinds_of(report.flags, "warning")
    assert not missing, (name, missing, shown)
    assert report.decision != "verified", shown
    if set(exp["kinds"]) & (GAMING_KINDS | {"generalization_gap"}):
        assert report.decision == "flagged", (report.reasons, shown)
    else:
        assert report.decision == "rejected", (report.reasons, shown)

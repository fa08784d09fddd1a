"""End to end through the REST API: a lab uploads bundles and posts preprints with claims; the
server's gate worker re-runs them in real Docker sandboxes; the pages show verdicts and flags.

The model is the built-in ``mock/echo`` (it repeats the question), so what an honest solver
scores is known exactly from the task's own scorer, and no script needs registering in the
server's worker.
"""

from __future__ import annotations

import asyncio
import html
import io
import re
import tarfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from agents.gate import GateWorker
from preprints import Store
from search import get_task
from tests.preprints.fakes import hashing_embedder
from web import create_app

pytestmark = [pytest.mark.docker, pytest.mark.slow]

ECHO = "def solve(question, llm):\n    return llm.complete(question, max_tokens=32)[0]\n"
PEEK = """\
import os

def solve(question, llm):
    for name in os.listdir(".."):
        if "answer" in name:
            return open(os.path.join("..", name)).read()
    return llm.complete(question, max_tokens=32)[0]
"""
ARCHITECTURE = {"layers": [[{"type": "generator", "samples": 1, "max_tokens": 32}]]}
TEST_ITEMS = 40
TASK = "arith-compare"  # comparisons and small sums: echoing the question is sometimes right
WAIT_S = 240


@dataclass
class Server:
    client: TestClient
    headers: dict[str, str]

    def upload(self, solve: str, claim: float) -> str:
        spec = {
            "task": TASK,
            "entry": "solve.py:solve",
            "model": "mock/echo",
            "claims": [{"metric": "accuracy", "split": "dev", "value": claim}],
        }
        out = io.BytesIO()
        with tarfile.open(fileobj=out, mode="w:gz") as archive:
            for name, text in (("rxlab.yaml", yaml.safe_dump(spec)), ("solve.py", solve)):
                info = tarfile.TarInfo(f"exp/{name}")
                info.size = len(text.encode())
                archive.addfile(info, io.BytesIO(text.encode()))
        files = {"bundle": ("exp.tar.gz", out.getvalue(), "application/gzip")}
        response = self.client.post("/api/bundles", files=files, headers=self.headers)
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def post(self, title: str, *claims: dict[str, object]) -> str:
        body = {"title": title, "body": f"# {title}\n", "task": TASK, "claims": list(claims)}
        response = self.client.post("/api/preprints", json=body, headers=self.headers)
        assert response.status_code == 201, response.text
        assert response.json()["status"] == "submitted"
        return str(response.json()["preprint_id"])

    def decided(self, pid: str) -> dict[str, object]:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            state = self.client.get(f"/api/gate/{pid}").json()
            if state["status"] != "submitted":
                return dict(state)
            assert state["job"] is None or state["job"]["state"] != "failed", state
            time.sleep(0.5)
        raise AssertionError(f"the gate did not decide on {pid} in {WAIT_S}s")


@pytest.fixture
def server(tmp_path: Path, rxlab_home: Path) -> Iterator[Server]:
    store = Store(f"sqlite:///{tmp_path / 'web.db'}", embedder=hashing_embedder)
    token = store.create_lab("alpha")[1]
    worker = GateWorker(store, rxlab_home, max_items={"test": TEST_ITEMS}, poll_s=0.2)
    with TestClient(create_app(store=store, gate=worker), raise_server_exceptions=False) as client:
        yield Server(client, {"Authorization": f"Bearer {token}"})
    store.close()


def echo_accuracy(split: str) -> float:
    """What repeating the question scores: the scorer reads the question's first number."""
    task = get_task(TASK)
    items = task.split(split)  # type: ignore[arg-type]
    right = sum(asyncio.run(task.score(it, it.question)).correct for it in items)
    return right / len(items)


def cells(page: str, row_id: str) -> list[str]:
    """The text of each cell of a claims-table row."""
    row = re.search(rf'<tr class="claim" id="{row_id}">(.*?)</tr>', page, re.S)
    assert row, f"no row {row_id}"
    found = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1), re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split()) for cell in found]


def test_posted_preprints_are_gated_and_their_pages_show_it(server: Server) -> None:
    honest = echo_accuracy("dev")
    assert 0.1 < honest < 0.9
    good = server.upload(ECHO, honest)
    peek = server.upload(PEEK, 0.9)
    verified = server.post(
        "Echo is a baseline",
        {"metric": "accuracy", "value": round(honest, 4), "split": "dev", "spec": {"bundle": good}},
        {
            "metric": "accuracy",
            "value": round(honest, 4),
            "split": "dev",
            "spec": {"architecture": ARCHITECTURE, "model": "mock/echo"},
        },
    )
    rejected = server.post(
        "Echo is brilliant",
        {"metric": "accuracy", "value": 0.95, "split": "dev", "spec": {"bundle": good}},
    )
    flagged = server.post(
        "Peeking helps",
        {"metric": "accuracy", "value": 0.9, "split": "dev", "spec": {"bundle": peek}},
    )
    assert server.decided(verified)["status"] == "verified"
    assert server.decided(rejected)["status"] == "rejected"
    state = server.decided(flagged)
    assert state["status"] == "flagged"
    assert state["job"]["state"] == "done"  # type: ignore[index]
    assert state["report"]["status"] == "flagged"  # type: ignore[index]

    page = server.client.get(f"/preprints/{verified}").text
    assert 'badge-verified">verified' in page
    number, metric, split, claimed, reproduced, interval, verdict, _spec = cells(page, "claim-1")
    assert (number, metric, split, claimed) == ("1", "accuracy", "dev", f"{round(honest, 4):g}")
    assert reproduced.startswith(f"{round(honest, 3)} (")
    assert re.match(r"\[0\.\d+, 0\.\d+\]$", interval) and verdict.startswith("reproduced")
    assert "Held-out test split" in page and f"/{TEST_ITEMS})" in page
    assert page.count('class="gate-run"') == 2  # the code bundle and the architecture

    page = server.client.get(f"/preprints/{rejected}").text
    assert 'badge-rejected">rejected' in page and "not reproduced" in page
    assert "claim_mismatch" in page and "the claim is higher than the code achieves" in page

    page = html.unescape(server.client.get(f"/preprints/{flagged}").text)
    assert 'badge-flagged">flagged' in page and 'id="flags"' in page
    assert "reads_protected_data" in page and "solve.py:" in page  # kind and where
    assert "os.listdir" in page  # the code it points at

"""``/api/goals``: launching a goal (a fake runner stands in for the labs), validation, 404s, the
server-sent events stream with resumption, and what happens when a run fails or the server stops.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agents.goals import GoalStore
from preprints import Status, Store
from tests.preprints.fakes import hashing_embedder
from tests.web.goal_fakes import Runner, blocked_runner, scripted_runner
from web import create_app
from web.goal_runs import StreamSettings

SPEC: dict[str, Any] = {"text": "beat a single sample", "task": "arith", "budget": {"tokens": 6000}}


@dataclass
class GoalSite:
    client: TestClient
    store: Store
    goals: GoalStore
    calls: list[str]

    def launch(self, **changes: Any) -> dict[str, Any]:
        response = self.client.post("/api/goals", json={**SPEC, **changes})
        assert response.status_code == 201, response.text
        return dict(response.json())

    def wait(self, goal_id: str, status: str = "done", timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            goal = self.client.get(f"/api/goals/{goal_id}").json()
            if goal["status"] == status:
                return dict(goal)
            time.sleep(0.05)
        raise AssertionError(f"goal {goal_id} is {goal['status']}, not {status}")


def make_site(tmp_path: Path, runner: Runner) -> Iterator[GoalSite]:
    store = Store(f"sqlite:///{tmp_path / 'web.db'}", embedder=hashing_embedder)
    goals = GoalStore(f"sqlite:///{tmp_path / 'goals.db'}")
    home = tmp_path / "home"
    home.mkdir()
    app = create_app(store=store, goal_store=goals, home=home)
    calls: list[str] = []

    async def counted(goal_id: str, **kwargs: Any) -> Any:
        calls.append(goal_id)
        return await runner(goal_id, **kwargs)

    app.state.goal_runner = counted
    app.state.goal_stream = StreamSettings(poll_s=0.02, heartbeat_s=0.05, retry_ms=100, max_s=30)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield GoalSite(client, store, goals, calls)
    goals.close()
    store.close()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[GoalSite]:
    yield from make_site(tmp_path, scripted_runner())


def parse_sse(text: str) -> list[dict[str, Any]]:
    """Each block as {"id", "event", "data", "retry", "comment"} (whichever it has)."""
    blocks = []
    for block in text.split("\n\n"):
        if not block:
            continue
        fields: dict[str, Any] = {}
        for line in block.split("\n"):
            name, _, value = line.partition(":")
            fields[name or "comment"] = value.strip()
        if "data" in fields:
            fields["data"] = json.loads(fields["data"])
        blocks.append(fields)
    return blocks


def events_of(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [b for b in blocks if "event" in b]


def test_create_runs_the_goal_and_reports_each_lab(site: GoalSite) -> None:
    response = site.client.post("/api/goals", json={**SPEC, "labs": 2})
    assert response.status_code == 201, response.text
    goal = response.json()
    assert response.headers["location"] == f"/api/goals/{goal['id']}"
    assert goal["status"] in ("queued", "running") and goal["spec"]["labs"] == 2
    done = site.wait(goal["id"])
    assert site.calls == [goal["id"]]
    labs = done["labs"]
    assert len(labs) == 2
    decisions = sorted(lab["decision"] for lab in labs.values())
    assert decisions == ["rejected", "verified"]
    for lab in labs.values():
        assert lab["phase"] == "done" and lab["trials"] == 3 and lab["best_dev"] == 0.7
        assert lab["spent"]["tokens"] == 300 and lab["budget"]["tokens"] == 3000
        assert site.store.get(lab["preprint"]).status == Status(lab["decision"])
    listed = site.client.get("/api/goals").json()
    assert [g["id"] for g in listed] == [goal["id"]]


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"budget": {}}, "budget", "a goal needs a budget"),
        ({"budget": None}, "budget", ""),
        ({"labs": 0}, "labs", "greater than or equal to 1"),
        ({"labs": 9}, "labs", "less than or equal to 8"),
        ({"task": "no-such-task"}, "task", "unknown task 'no-such-task'; known tasks: "),
        ({"task": "jsonl:/etc/hosts"}, "task", "the web takes registered tasks only"),
        ({"text": "  "}, "text", ""),
    ],
)
def test_bad_goals_are_422_with_a_clear_message(
    site: GoalSite, changes: dict[str, Any], field: str, words: str
) -> None:
    response = site.client.post("/api/goals", json={**SPEC, **changes})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert any(field in map(str, d["loc"]) and words in d["msg"] for d in detail), detail
    assert site.goals.list() == [] and site.calls == []


def test_unknown_goal_is_404_everywhere(site: GoalSite) -> None:
    for path in ("/api/goals/g-missing", "/api/goals/g-missing/events"):
        response = site.client.get(path)
        assert response.status_code == 404
        assert "no goal 'g-missing'" in response.json()["detail"]
    page = site.client.get("/goals/g-missing")
    assert page.status_code == 404 and "no goal" in page.text
    assert page.headers["content-type"].startswith("text/html")


def test_events_stream_everything_and_end_when_the_goal_is_done(site: GoalSite) -> None:
    goal = site.launch(labs=2)
    site.wait(goal["id"])
    response = site.client.get(f"/api/goals/{goal['id']}/events")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache"
    blocks = parse_sse(response.text)
    assert blocks[0] == {"retry": "100"}
    events = events_of(blocks)
    stored = site.goals.events(goal["id"])
    assert [int(e["id"]) for e in events] == [e.id for e in stored]
    assert [e["event"] for e in events] == [e.kind for e in stored]
    last = events[-1]
    assert last["event"] == "goal" and last["data"]["data"] == {"status": "done"}
    verdicts = [e["data"] for e in events if e["event"] == "verdict"]
    assert {v["cell"] for v in verdicts} == {"verified", "rejected"}
    assert any("test accuracy is 0.41" in v["text"] for v in verdicts)
    spend = next(e["data"] for e in events if e["event"] == "spend")
    assert spend["cell"] == "100 / 3,000 tokens · 1 calls · $0.0004"
    submission = next(e["data"] for e in events if e["event"] == "submission")
    assert submission["data"]["preprint"].startswith("rx-") and submission["lab"]


def test_events_resume_after_last_event_id_or_after(site: GoalSite) -> None:
    goal = site.launch(labs=1)
    site.wait(goal["id"])
    url = f"/api/goals/{goal['id']}/events"
    ids = [int(e["id"]) for e in events_of(parse_sse(site.client.get(url).text))]
    assert len(ids) > 6 and ids == sorted(ids)

    def stream_ids(**kwargs: Any) -> list[int]:
        return [int(e["id"]) for e in events_of(parse_sse(site.client.get(url, **kwargs).text))]

    assert stream_ids(headers={"Last-Event-ID": str(ids[4])}) == ids[5:]
    assert stream_ids(params={"after": ids[2]}) == ids[3:]
    # an EventSource reconnects to the same URL: the later of the two wins
    assert stream_ids(params={"after": ids[2]}, headers={"Last-Event-ID": str(ids[4])}) == ids[5:]
    assert stream_ids(headers={"Last-Event-ID": "not-a-number"}) == ids
    # nothing after the end of a finished goal: 204 tells the EventSource to stop reconnecting
    assert site.client.get(url, headers={"Last-Event-ID": str(ids[-1])}).status_code == 204
    assert site.client.get(url, params={"after": -1}).status_code == 422


def test_a_live_stream_follows_the_run_with_heartbeats(tmp_path: Path) -> None:
    for site in make_site(tmp_path, scripted_runner(delay=0.12)):
        goal = site.launch(labs=1)
        text = site.client.get(f"/api/goals/{goal['id']}/events").text
        blocks = parse_sse(text)
        assert any(b.get("comment") == "heartbeat" for b in blocks), text[:500]
        events = events_of(blocks)
        assert events[-1]["data"]["data"]["status"] == "done"
        assert len(events) == len(site.goals.events(goal["id"]))


def test_a_failing_run_marks_the_goal_failed(tmp_path: Path) -> None:
    for site in make_site(tmp_path, scripted_runner(fail_with="the sandbox is gone")):
        goal = site.launch()
        failed = site.wait(goal["id"], "failed")
        assert "RuntimeError: the sandbox is gone" in failed["error"]
        events = events_of(parse_sse(site.client.get(f"/api/goals/{goal['id']}/events").text))
        assert events[-1]["event"] == "goal" and events[-1]["data"]["data"]["status"] == "failed"
        assert "the sandbox is gone" in events[-1]["data"]["text"]


def test_shutdown_cancels_running_goals_and_marks_them_interrupted(tmp_path: Path) -> None:
    goals_url = tmp_path / "goals.db"
    for site in make_site(tmp_path, blocked_runner()):
        goal = site.launch()
        site.wait(goal["id"], "running")
        site.client.app.state.goal_runs.max_running = 1  # type: ignore[attr-defined]
        busy = site.client.post("/api/goals", json=SPEC)
        assert busy.status_code == 429 and "already runs 1 goals" in busy.json()["detail"]
    after = GoalStore(f"sqlite:///{goals_url}")
    stopped = after.get(goal["id"])
    after.close()
    assert stopped.status == "failed"
    assert stopped.error is not None and f"rxlab resume {goal['id']}" in stopped.error


def test_without_the_labs_package_a_goal_is_refused_with_503(
    site: GoalSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    site.client.app.state.goal_runner = None  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "agents.lab", None)  # importing it raises ImportError
    response = site.client.post("/api/goals", json=SPEC)
    assert response.status_code == 503
    assert "cannot run goals" in response.json()["detail"]
    assert site.goals.list() == []


def test_the_default_runner_is_the_labs_run_goal_with_the_settings(
    site: GoalSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    import agents.lab
    from kernels import Gateway

    seen: dict[str, Any] = {}
    fake = scripted_runner()

    async def run_goal(goal_id: str, **kwargs: Any) -> Any:
        seen.update(kwargs)
        return await fake(
            goal_id, home=kwargs["home"], goals=kwargs["goals"], store=kwargs["store"]
        )

    monkeypatch.setattr(agents.lab, "run_goal", run_goal)
    monkeypatch.setenv("RXLAB_AGENT_MODEL", "mock/agent")
    monkeypatch.setenv("RXLAB_TASK_MODEL", "mock/task")
    site.client.app.state.goal_runner = None  # type: ignore[attr-defined]
    goal = site.launch(labs=1)
    site.wait(goal["id"])
    assert seen["agent_model"] == "mock/agent" and seen["task_model"] == "mock/task"
    assert isinstance(seen["gateway"], Gateway) and seen["goals"] is site.goals
    assert seen["store"] is site.store and seen["home"].is_dir()

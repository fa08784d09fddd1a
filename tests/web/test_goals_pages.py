"""The goal pages without JavaScript: the form launches a goal (303 to its page), bad input comes
back on the form, the goal page shows each lab's row, preprint links and the log; and the event
text the page and the stream share."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agents.goals import EventPublic, GoalBudget, GoalSpec
from tests.web.goal_fakes import scripted_runner
from tests.web.test_goals_api import GoalSite, make_site
from web.goal_events import cell, describe, spend_text

FORM = {"text": "beat a single sample", "task": "arith", "labs": "2", "budget_tokens": "6000"}


@pytest.fixture
def site(tmp_path: Path) -> Iterator[GoalSite]:
    yield from make_site(tmp_path, scripted_runner())


def test_header_links_to_goals_and_the_form(site: GoalSite) -> None:
    page = site.client.get("/")
    assert '<a href="/goals">Goals</a>' in page.text
    assert '<a href="/goals/new">New goal</a>' in page.text


def test_the_form_lists_tasks_and_launches_a_goal(site: GoalSite) -> None:
    form = site.client.get("/goals/new")
    assert form.status_code == 200
    assert '<form class="goal-form" id="goal-form" method="post" action="/goals">' in form.text
    assert '<option value="arith" selected>arith</option>' in form.text
    for name in ("text", "task", "labs", "budget_tokens", "model", "agent_model"):
        assert f'name="{name}"' in form.text
    posted = site.client.post(
        "/goals", data={**FORM, "model": "mock/answers"}, follow_redirects=False
    )
    assert posted.status_code == 303, posted.text
    goal_id = posted.headers["location"].removeprefix("/goals/")
    goal = site.wait(goal_id)
    assert goal["spec"]["models"] == ["mock/answers"] and goal["spec"]["agent_model"] is None
    assert goal["spec"]["budget"]["tokens"] == 6000 and goal["spec"]["labs"] == 2


def test_bad_form_input_comes_back_on_the_form(site: GoalSite) -> None:
    cases = [
        ({"budget_tokens": ""}, "a goal needs a budget"),
        ({"labs": "12"}, "labs: Input should be less than or equal to 8"),
        ({"labs": "two"}, "labs: Input should be a valid integer"),
        ({"task": "nope"}, "task: unknown task &#39;nope&#39;"),
    ]
    for change, message in cases:
        page = site.client.post("/goals", data={**FORM, **change}, follow_redirects=False)
        assert page.status_code == 422, change
        assert message in page.text, page.text
        assert "beat a single sample</textarea>" in page.text  # what was typed stays
    assert site.goals.list() == []


def test_a_form_post_from_another_site_is_refused(site: GoalSite) -> None:
    for headers in ({"Origin": "https://elsewhere.example"}, {"Sec-Fetch-Site": "cross-site"}):
        page = site.client.post("/goals", data=FORM, headers=headers, follow_redirects=False)
        assert page.status_code == 403, headers
    same = site.client.post(
        "/goals", data=FORM, headers={"Origin": "http://testserver"}, follow_redirects=False
    )
    assert same.status_code == 303
    json_body = site.client.post("/goals", json=FORM, follow_redirects=False)
    assert json_body.status_code == 415


def test_the_goal_page_shows_labs_preprints_and_log(site: GoalSite) -> None:
    goal = site.launch(labs=2)
    done = site.wait(goal["id"])
    page = site.client.get(f"/goals/{goal['id']}")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert '<script src="/static/goal.js" defer></script>' in page.text
    assert not re.search(r"<script(?![^>]*\bsrc=)", page.text)  # no inline script
    assert f'data-goal="{goal["id"]}"' in page.text and 'data-status="done"' in page.text
    rows = re.findall(r'<tr data-lab="([^"]+)">(.*?)</tr>', page.text, re.S)
    assert sorted(name for name, _ in rows) == sorted(done["labs"])
    for name, row in rows:
        lab = done["labs"][name]
        assert f'<a href="/preprints/{lab["preprint"]}">{name}: voting over samples' in row
        assert f"badge-{lab['decision']}" in row and ">0.700<" in row
        assert "300 / 3,000 tokens · 3 calls · $0.0012" in row
    assert page.text.count('<li data-preprint="') == 2
    log = re.findall(r'<li class="ev ev-(\w+)" data-id="(\d+)">', page.text)
    assert [kind for kind, _ in log][-1] == "goal"
    assert f'data-after="{log[-1][1]}"' in page.text
    listing = site.client.get("/goals")
    assert f'<a href="/goals/{goal["id"]}">beat a single sample</a>' in listing.text


def test_a_goal_that_has_not_started_says_so(site: GoalSite) -> None:
    goal = site.goals.create(GoalSpec(text="later", budget=GoalBudget(tokens=10)))
    page = site.client.get(f"/goals/{goal.id}")
    assert re.search(r'id="no-labs"\s*>No lab has started yet', page.text)
    assert 'data-status="queued"' in page.text


def _event(kind: str, data: dict[str, object], lab: str | None = "lab-1") -> EventPublic:
    return EventPublic(id=1, goal_id="g-1", lab=lab, kind=kind, data=data, at=datetime.now(UTC))


def test_event_lines_and_cells() -> None:
    trial = _event("trial", {"number": 2, "accuracy": 0.5, "tokens": 1234, "best": 0.6})
    assert describe(trial) == "lab-1: trial 2: dev accuracy 0.500, best 0.600, 1,234 tokens"
    assert cell(trial) == "0.600"
    verdict = _event("verdict", {"preprint": "rx-1", "decision": "flagged", "reasons": ["a", "b"]})
    assert describe(verdict) == "lab-1: the gate says flagged for rx-1: a; b"
    assert cell(verdict) == "flagged"
    goal = _event("goal", {"status": "failed", "error": "boom"}, lab=None)
    assert describe(goal) == "goal failed: boom"
    odd = _event("custom", {"x": 1})
    assert describe(odd) == 'lab-1: custom {"x": 1}' and cell(odd) == ""
    assert spend_text({"dollars": 0.25}, {"dollars": 0.5, "tokens": None}) == "$0.2500 / $0.5000"
    assert spend_text(None, "junk") == ""

"""End to end in a real browser with JavaScript: launch a goal from the form, watch its page
update live over server-sent events until a lab's preprint is verified, open that preprint.

Two runners, injected through ``app.state.goal_runner``:

- ``fake``: the FAKE runner of tests/web/goal_fakes.py (scripted events, a real preprint in the
  store and a real gate decision on it): quick, and its numbers are known, so the test checks
  every cell of the live table.
- ``real``: the REAL labs, ``agents.lab.run_goal``, with the scripted task model ``mock/noisy``
  (registered inside the runner's task, so the labs' calls in the server's event loop see it),
  the offline agent policy and the ``local`` sandbox backend. Minutes on a small machine.
"""

from __future__ import annotations

import asyncio
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from agents.goals import GoalPublic, GoalStore
from preprints import Store
from tests.preprints.fakes import hashing_embedder
from tests.web.goal_fakes import Runner, scripted_runner
from tests.web.test_browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, _free_port
from web import create_app
from web.goal_runs import StreamSettings

pytestmark = [pytest.mark.browser, pytest.mark.slow]
REAL_TASK_MODEL = "mock/noisy"


def real_runner() -> Runner:
    """The real labs (see the module docstring)."""

    async def run(goal_id: str, *, home: Path, goals: GoalStore, store: Store) -> GoalPublic:
        from agents.lab import run_goal
        from kernels import Gateway, mock_scripts
        from tests.agents.lab_fakes import noisy_arith

        with mock_scripts(noisy=noisy_arith()):
            return await run_goal(
                goal_id, home=home, goals=goals, store=store, gateway=Gateway(home),
                backend="local",
            )  # fmt: skip

    return run


class Server:
    def __init__(self, url: str, go: threading.Event, kind: str) -> None:
        self.url = url
        self.go = go  # the runner starts once the test has seen the page before any lab ran
        self.kind = kind


@pytest.fixture(params=["fake", "real"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    import uvicorn

    if shutil.which(CHROMIUM) is None:
        pytest.skip(f"{CHROMIUM} is not installed: apt-get install -y chromium chromium-driver")
    store = Store(f"sqlite:///{tmp_path / 'rxlab.db'}", embedder=hashing_embedder)
    goals = GoalStore.at_home(tmp_path)
    app = create_app(store=store, goal_store=goals, home=tmp_path)
    go = threading.Event()
    if request.param == "real":  # import here, not in the server's event loop
        import agents.lab  # noqa: F401
        import kernels  # noqa: F401
        import tests.agents.lab_fakes  # noqa: F401
    inner = scripted_runner(delay=0.1) if request.param == "fake" else real_runner()

    async def gated(goal_id: str, **kwargs: Any) -> Any:
        while not go.is_set():
            await asyncio.sleep(0.05)
        return await inner(goal_id, **kwargs)

    app.state.goal_runner = gated
    app.state.goal_stream = StreamSettings(poll_s=0.1, heartbeat_s=1.0, retry_ms=500)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    config.timeout_graceful_shutdown = 5
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    for _ in range(600):
        if uv.started:
            break
        threading.Event().wait(0.05)
    assert uv.started, "uvicorn did not start"
    yield Server(f"http://127.0.0.1:{port}", go, request.param)
    go.set()
    uv.should_exit = True
    thread.join(timeout=30)
    goals.close()
    store.close()


def test_launch_a_goal_and_watch_it_reach_verified(server: Server) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    wait_ms = 60_000 if server.kind == "fake" else 600_000
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 1000})
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on(
            "response",
            lambda r: (
                errors.append(f"{r.status} {r.url}")
                if r.status >= 400 and not r.url.endswith("/favicon.ico")
                else None
            ),
        )

        page.goto(server.url + "/")
        page.click('header nav a[href="/goals/new"]')
        page.fill("#goal-text", "find an architecture that beats one sample on arithmetic")
        page.select_option("#goal-task", "arith")
        page.fill("#goal-labs", "2")
        page.fill("#goal-budget", "6000" if server.kind == "fake" else "300000")
        if server.kind == "real":
            page.fill("#goal-model", REAL_TASK_MODEL)
        page.click("#goal-launch")
        page.wait_for_url("**/goals/g-*")
        goal_url = page.url

        # before any lab ran: no rows; then the page must fill in without a reload
        assert page.locator("#lab-rows tr").count() == 0
        page.evaluate("document.body.dataset.loaded = 'once'")
        expect(page.locator("#goal-live")).to_be_visible(timeout=10_000)
        server.go.set()

        verified = page.locator('#lab-rows tr:has([data-cell="decision"] .badge-verified)')
        expect(verified.first).to_be_visible(timeout=wait_ms)
        expect(page.locator("#goal-status")).to_have_text("done", timeout=wait_ms)
        expect(page.locator("#goal-live")).to_be_hidden()
        assert page.evaluate("document.body.dataset.loaded") == "once", "the page reloaded"
        assert page.url == goal_url

        rows = page.locator("#lab-rows tr")
        assert rows.count() == 2
        check_rows(page, rows, server.kind)
        goal_id = goal_url.rsplit("/", 1)[-1]
        stream = httpx.get(f"{server.url}/api/goals/{goal_id}/events", timeout=30).text
        assert page.locator("#events li").count() == stream.count("\nevent: ") > 20
        assert "the gate says verified" in page.locator("#events").inner_text()

        page.screenshot(path=str(ARTIFACTS / f"goal-page-{server.kind}.png"), full_page=True)
        link = verified.first.locator('[data-cell="preprint"] a')
        title = link.inner_text()
        link.click()
        page.wait_for_url("**/preprints/rx-*")
        assert page.locator("h1").first.inner_text().startswith(title)
        expect(page.locator(".badge-verified").first).to_be_visible()
        browser.close()
    assert errors == [], errors


def check_rows(page: Any, rows: Any, kind: str) -> None:
    from playwright.sync_api import expect

    for i in range(2):
        row = rows.nth(i)
        assert row.locator('[data-cell="phase"]').inner_text() == "done"
        trials = int(row.locator('[data-cell="trials"]').inner_text())
        spend = row.locator('[data-cell="spend"]').inner_text()
        if kind == "fake":
            assert trials == 3 and row.locator('[data-cell="best"]').inner_text() == "0.700"
            assert "300 / 3,000 tokens" in spend
        else:
            assert trials > 0 and 0 < float(row.locator('[data-cell="best"]').inner_text()) <= 1
            assert "/ 150,000 tokens" in spend
    if kind == "fake":
        expect(page.locator('#lab-rows [data-cell="decision"] .badge-rejected')).to_have_count(1)
    expect(page.locator("#preprint-list li")).to_have_count(2)

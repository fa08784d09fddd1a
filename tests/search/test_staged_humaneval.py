"""humaneval-staged: written code and written tests run only in the Docker sandbox, and the
pick by tests keeps the candidate that passes them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kernels import Gateway, mock_scripts
from search.staged import get_staged_task, run_allocation

pytestmark = pytest.mark.docker


def _docker_ready() -> str | None:
    try:
        import docker

        from sandbox import DEFAULT_IMAGE

        client = docker.from_env()
        client.ping()
        client.images.get(DEFAULT_IMAGE)
    except Exception as exc:
        return f"no Docker engine or sandbox image ({exc.__class__.__name__}: {exc})"
    return None


@pytest.fixture(scope="module", autouse=True)
def need_docker() -> None:
    reason = _docker_ready()
    if reason:
        pytest.skip(reason)


async def test_code_and_tests_run_in_the_sandbox_and_the_pick_uses_them(
    tmp_path: Path, rxlab_home: Path
) -> None:
    task = get_staged_task("humaneval-staged", timeout_s=20)
    item = next(i for i in task.base.load_items() if i.id == "HumanEval/0")
    code_marker, test_marker = tmp_path / "from-code.txt", tmp_path / "from-test.txt"
    evil = (
        f"import os\nos.makedirs({str(tmp_path)!r}, exist_ok=True)\n"
        f"open({str(code_marker)!r}, 'w').write('host write')\n"
        "def has_close_elements(numbers, threshold):\n    return False\n"
    )
    right = item.question + item.answer
    programs = iter([f"```python\n{evil}```", f"```python\n{right}```"])
    tests = (
        "assert has_close_elements([1.0, 1.05], 0.1) is True\n"
        f"assert open({str(test_marker)!r}, 'w').write('x') == 1\n"
        "assert has_close_elements([1.0, 2.8, 3.0], 0.3) is True\n"
        "assert has_close_elements([1.0, 3.0], 0.5) is False"
    )

    def coder(messages: list[dict[str, str]], params: dict[str, Any]) -> str:
        return tests if "assert statements" in messages[-1]["content"] else next(programs)

    spec = {
        "model": "mock/coder",
        "stages": {"code": {"samples": 2, "temperature": 0.8}, "tests": {"samples": 1}},
    }
    with mock_scripts(coder=coder):
        result = await run_allocation(
            task, spec, items=[item], gateway=Gateway(rxlab_home, cache=False)
        )
    outcome = result.outcomes[0]
    assert result.accuracy == 1.0 and right.strip() in outcome.response
    assert outcome.calls == 2  # the code writer (2 samples in one call) and the test writer
    assert not code_marker.exists() and not test_marker.exists()

"""HumanEval programs run only in the Docker sandbox: a program that writes a host file cannot."""

from __future__ import annotations

from pathlib import Path

import pytest

from search import Architecture, get_task, run_architecture

pytestmark = pytest.mark.docker


def _docker_ready() -> str | None:
    try:
        import docker

        client = docker.from_env()
        client.ping()
        from sandbox import DEFAULT_IMAGE

        client.images.get(DEFAULT_IMAGE)
    except Exception as exc:
        return f"no Docker engine or sandbox image ({exc.__class__.__name__}: {exc})"
    return None


@pytest.fixture(scope="module", autouse=True)
def need_docker() -> None:
    reason = _docker_ready()
    if reason:
        pytest.skip(reason)


def first_item():  # type: ignore[no-untyped-def]
    task = get_task("humaneval", timeout_s=20)
    return task, next(i for i in task.load_items() if i.id == "HumanEval/0")


async def test_canonical_solution_passes_and_wrong_one_fails() -> None:
    task, item = first_item()
    assert (await task.score(item, item.answer)).value == 1.0
    assert (await task.score(item, "    return False\n")).value == 0.0


async def test_generated_program_cannot_write_a_host_file(tmp_path: Path) -> None:
    task, item = first_item()
    marker = tmp_path / "pwned.txt"
    evil = (
        item.question + item.answer + "\n\nimport os\n"
        f"os.makedirs({str(tmp_path)!r}, exist_ok=True)\n"
        f"open({str(marker)!r}, 'w').write('host write')\n"
    )
    score = await task.score(item, evil)
    assert not marker.exists()
    assert score.value == 1.0  # it ran (and wrote, if at all, only inside the sandbox)
    # The same program on the NOT isolated local backend does write the file: the check bites.
    unsafe = get_task("humaneval", backend="local", timeout_s=20)
    await unsafe.score(item, evil)
    assert marker.read_text() == "host write"


async def test_exiting_early_with_status_zero_is_no_pass() -> None:
    task, item = first_item()
    gaming = "import os, sys\nprint('PASSED', 'x')\nos._exit(0)\n"
    assert (await task.score(item, gaming)).value == 0.0


async def test_unit_tests_run_in_the_sandbox(tmp_path: Path) -> None:
    task, item = first_item()
    marker = tmp_path / "from-test.txt"
    tests = [
        "assert has_close_elements([1.0, 2.0, 3.9], 0.2) is False",
        "assert has_close_elements([1.0, 1.05], 0.1) is True",
        f"open({str(marker)!r}, 'w').write('x')",
        "assert has_close_elements([], 1.0) is True",
    ]
    passed = await task.run_unit_tests(item, item.answer, tests)
    assert passed == [True, True, False, False]
    assert not marker.exists()


async def test_architecture_on_humaneval_scores_in_the_sandbox(rxlab_home: Path) -> None:
    from kernels import Gateway, mock_scripts

    task, item = first_item()
    program = "```python\n" + item.question + item.answer + "```"
    arch = Architecture.from_spec(
        {"layers": [[{"type": "generator", "samples": 2, "max_tokens": 400}],
                    [{"type": "unit_test_generator", "tests": 2}],
                    [{"type": "unit_test_evaluator", "top_k": 1}]]}
    )  # fmt: skip
    answers = {"*": program}
    tests = "assert has_close_elements([1.0, 1.05], 0.1) is True\nassert 1 == 2"
    with mock_scripts(coder=lambda m, p: tests if "assert" in m[-1]["content"] else answers["*"]):
        result = await run_architecture(
            arch, task, [item], gateway=Gateway(rxlab_home, cache=False), model="mock/coder"
        )
    assert result.accuracy == 1.0
    assert result.outcomes[0].calls == 2  # the generator and the test writer; tests ran in docker

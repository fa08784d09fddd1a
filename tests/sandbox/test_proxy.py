"""Model access from inside a sandbox: the socket proxy in front of the real gateway (mock/echo)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kernels import Budget, CompletionRequest, Gateway
from sandbox import ModelHandler, ModelProxy, Sandbox, SandboxConfig
from tests.sandbox._docker import docker_missing, our_containers

PROGRAM = """
import rxlab_llm as llm
print(llm.complete([{"role": "user", "content": "hello from the sandbox"}], max_tokens=8))
try:
    llm.complete("this one asks for too much", n=4, max_tokens=100)
except llm.BudgetExceeded as exc:
    print("refused:", exc.error_type)
"""


def gateway_handler(gateway: Gateway, budgets: dict[str, Budget]) -> ModelHandler:
    """What search/ and agents/ do: each sandbox gets its own budget; calls are tagged with it."""

    async def handler(payload: dict[str, Any]) -> dict[str, Any]:
        sandbox_id = payload["sandbox_id"]
        request = CompletionRequest(
            model="mock/echo",
            messages=payload["messages"],
            n=payload.get("n", 1),
            temperature=payload.get("temperature", 0.7),
            max_tokens=payload.get("max_tokens", 256),
        )
        budget = budgets.setdefault(sandbox_id, Budget(max_tokens=60))
        response = await gateway.complete(request, budget=budget, tags={"sandbox": sandbox_id})
        return {"texts": response.texts}

    return handler


@pytest.mark.parametrize("backend", [pytest.param("docker", marks=pytest.mark.docker), "local"])
async def test_code_inside_reaches_the_gateway_under_its_own_budget(
    backend: str, rxlab_home: Path
) -> None:
    if backend == "docker" and (reason := docker_missing()):
        pytest.skip(reason)
    gateway, budgets = Gateway(rxlab_home, cache=False), dict[str, Budget]()
    async with Sandbox(
        backend, SandboxConfig(), model_handler=gateway_handler(gateway, budgets)
    ) as box:
        await box.put_files({"main.py": PROGRAM})
        ev = await box.exec(["python3", "main.py"])
    assert ev.ok, ev.stderr
    assert ev.stdout == "['hello from the sandbox']\nrefused: BudgetExceeded\n"
    assert [(c.ok, c.error_type) for c in ev.model_calls] == [
        (True, None),
        (False, "BudgetExceeded"),
    ]
    assert {c.sandbox_id for c in ev.model_calls} == {box.id}
    records = gateway.usage.records(sandbox=box.id)
    assert len(records) == 1 and records[0].model == "mock/echo"
    assert budgets[box.id].spent.calls == 1
    if backend == "docker":
        assert our_containers() == []


async def test_a_sandbox_cannot_pose_as_another() -> None:
    seen: list[str] = []

    async def handler(payload: dict[str, Any]) -> dict[str, Any]:
        seen.append(payload["sandbox_id"])
        return {"texts": ["ok"]}

    proxy = ModelProxy(handler, "real-id")
    answer = await proxy.answer(json.dumps({"messages": "x", "sandbox_id": "other"}).encode())
    assert answer == {"ok": True, "result": {"texts": ["ok"]}} and seen == ["real-id"]


async def test_bad_requests_get_an_error_answer_and_are_logged() -> None:
    async def handler(payload: dict[str, Any]) -> dict[str, Any]:
        raise AssertionError("never called")

    proxy = ModelProxy(handler, "sbx")
    for line in (b"not json\n", b"[1, 2]\n"):
        answer = await proxy.answer(line)
        assert answer["ok"] is False and answer["error_type"] in ("JSONDecodeError", "ValueError")
    assert [c.ok for c in proxy.calls] == [False, False]


async def test_the_socket_serves_several_requests_and_is_removed_on_close() -> None:
    import asyncio

    async def handler(payload: dict[str, Any]) -> dict[str, Any]:
        return {"texts": [payload["messages"].upper()]}

    proxy = ModelProxy(handler, "sbx")
    folder = await proxy.start()
    assert (folder / "rxlab_llm.py").is_file()
    reader, writer = await asyncio.open_unix_connection(str(proxy.socket_path))
    for word in ("one", "two"):
        writer.write(json.dumps({"messages": word}).encode() + b"\n")
        reply = json.loads(await reader.readline())
        assert reply == {"ok": True, "result": {"texts": [word.upper()]}}
    writer.close()
    await proxy.close()
    assert not folder.exists()

"""The engineer's code experiment: an idea the architecture language cannot say, written as a
program and run on the dev split in a fresh sandbox.

The search finds how many samples and which temperature; the engineer then tries adaptive
self-consistency as code (draw a few samples, stop when they agree, else draw the rest and
vote), which saves tokens where the model is sure. The program is a bundle in the form outside
labs upload (``rxlab.yaml`` + ``solve(question, llm)``): it runs through the gate's own harness,
is kept in the bundle store, and its claim names the bundle, so the gate re-runs the same code
in another sandbox. With a capable agent model the engineer writes the program; otherwise (or
when the program it writes does not compile) the offline template below is the program.
"""

from __future__ import annotations

import ast
import io
import tarfile
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, field_validator

from agents.goals import EventKind
from agents.lab.deps import LabDeps
from agents.lab.llm import ask, capable
from agents.lab.roles import ENGINEER_CODE_PROMPT

CODE_FOLDER = "code"
ENTRY = "solve.py"
FIRST_SAMPLES = 2  # adaptive self-consistency draws these first and stops if they agree
MAX_PROGRAM_CHARS = 8_000
MAX_EXAMPLES = 24  # worked examples the program carries and routes between
SHOTS = 3  # examples shown with each question
WORKERS = 8  # items the harness solves at once (the program keeps no shared state)
# Tasks whose answers a vote can compare; code tasks (humaneval) need tests, not votes.
SKIP_KINDS = frozenset({"code"})

PROGRAM_TEMPLATE = '''"""Routed few-shot and adaptive self-consistency, written by {author}.

The task shows worked examples of the same kind as the question; a program sees only the
question, so it picks the {shots} examples whose words overlap the question most. It then draws
{first} samples at temperature {temperature}; if their answers agree it answers, otherwise it
draws up to {most} in all and takes the majority, so extra samples go where the first disagree.
"""

import re
from collections import Counter

SYSTEM = {system!r}
EXAMPLES = {examples!r}
SHOTS = {shots}
FIRST = {first}
MOST = {most}
TEMPERATURE = {temperature}
MAX_TOKENS = {max_tokens}
NUMBER = re.compile(r"-?\\d+(?:\\.\\d+)?")
WORD = re.compile(r"[a-z]+")


def _words(text):
    return set(WORD.findall(text.lower()))


def _messages(question):
    words = _words(question)
    ranked = sorted(EXAMPLES, key=lambda qa: -len(words & _words(qa[0])))
    messages = [{{"role": "system", "content": SYSTEM}}] if SYSTEM else []
    for q, a in ranked[:SHOTS]:
        messages += [{{"role": "user", "content": q}}, {{"role": "assistant", "content": a}}]
    return messages + [{{"role": "user", "content": question}}]


def _answer(text):
    found = NUMBER.findall(text.replace(",", ""))
    return found[0] if found else text.strip().lower() or None


def solve(question, llm):
    messages = _messages(question)
    texts = llm.complete(messages, n=FIRST, temperature=TEMPERATURE, max_tokens=MAX_TOKENS)
    answers = [_answer(t) for t in texts]
    if len(set(answers)) > 1 and MOST > FIRST:
        more = llm.complete(
            messages, n=MOST - FIRST, temperature=TEMPERATURE, max_tokens=MAX_TOKENS
        )
        texts, answers = texts + more, answers + [_answer(t) for t in more]
    votes = Counter(a for a in answers if a is not None)
    if not votes:
        return texts[0] if texts else ""
    top = votes.most_common(1)[0][0]
    return next(t for t, a in zip(texts, answers) if a == top)
'''


class Program(BaseModel):
    """The engineer's program: a module defining ``solve(question, llm) -> str``."""

    summary: str = Field(description="one sentence: what the program tries")
    code: str

    @field_validator("code")
    @classmethod
    def compiles(cls, code: str) -> str:
        if len(code) > MAX_PROGRAM_CHARS:
            raise ValueError(f"the program is over {MAX_PROGRAM_CHARS} characters")
        try:
            tree = ast.parse(code)
        except SyntaxError as exc:
            raise ValueError(f"the program does not compile: {exc}") from None
        names = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        if "solve" not in names:
            raise ValueError("the program must define solve(question, llm)")
        return code


def wanted(task: Any) -> bool:
    """Whether the lab runs a code trial on ``task``."""
    return task.kind not in SKIP_KINDS


def task_examples(task: Any, items: list[Any]) -> tuple[str, list[tuple[str, str]]]:
    """The task's system prompt and its worked examples (user/assistant pairs) over ``items``."""
    system, examples = "", list[tuple[str, str]]()
    for item in items:
        messages = task.prompt(item)[:-1]
        if messages and messages[0]["role"] == "system":
            system, messages = messages[0]["content"], messages[1:]
        for question, answer in zip(messages[::2], messages[1::2], strict=False):
            pair = (question["content"], answer["content"])
            if pair not in examples and len(examples) < MAX_EXAMPLES:
                examples.append(pair)
    return system, examples


def settings_from(best: dict[str, Any]) -> dict[str, Any]:
    """Samples and temperature for the program, from the search's best architecture."""
    layers = best.get("layers", [])
    g: dict[str, Any] = next(
        (c for layer in layers for c in layer if c.get("type") == "generator"), {}
    )
    temperature = float(g.get("temperature", 0.7)) or 0.4  # a vote over greedy samples is one
    return {
        "most": max(int(g.get("samples", 1)), 4),
        "temperature": temperature,
        "max_tokens": int(g.get("max_tokens", 16)),
    }


def offline_program(prompt: tuple[str, list[tuple[str, str]]], best: dict[str, Any]) -> Program:
    knobs = settings_from(best)
    system, examples = prompt
    code = PROGRAM_TEMPLATE.format(
        author="rxlab's offline policy (a template)", system=system, examples=examples,
        shots=SHOTS, first=FIRST_SAMPLES, **knobs,
    )  # fmt: skip
    return Program(
        summary=(
            f"routed few-shot and adaptive self-consistency: {FIRST_SAMPLES} samples at "
            f"T={knobs['temperature']:g}, up to {knobs['most']} when they disagree, vote"
        ),
        code=code,
    )


async def draft_program(
    deps: LabDeps, task: Any, shown: tuple[str, list[tuple[str, str]]], best: dict[str, Any]
) -> tuple[Program, str | None]:
    """(the program, why the offline template was used or None)."""
    fallback = offline_program(shown, best)
    if not capable(deps.agent_model):
        return fallback, "no capable agent model is configured"
    assert deps.agent_model is not None
    prompt = ENGINEER_CODE_PROMPT.format(
        task=task.name, description=task.description, best=best, template=fallback.code
    )
    asked = await ask(
        deps.gateway.tagged(phase="experiment", role="engineer"), deps.agent_model, prompt,
        Program, budget=deps.budget(), tags={"step": "code"}, max_tokens=1500,
    )  # fmt: skip
    if asked.value is None:
        return fallback, f"the engineer's program could not be used ({asked.why_not})"
    return asked.value, None


def write_bundle(folder: Path, program: Program, task: str, model: str, tokens: int | None) -> Path:
    """The bundle folder: ``rxlab.yaml`` and ``solve.py``."""
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    (folder / ENTRY).write_text(program.code)
    spec: dict[str, Any] = {
        "task": task, "entry": f"{ENTRY}:solve", "model": model, "workers": WORKERS,
    }  # fmt: skip
    if tokens:
        spec["budget"] = {"tokens": tokens}
    (folder / "rxlab.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    return folder


def pack(folder: Path) -> bytes:
    """The bundle as a gzipped tar (what ``POST /api/bundles`` takes)."""
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:gz") as tar:
        for path in sorted(folder.iterdir()):
            if path.is_file():
                tar.add(path, arcname=path.name)
    return data.getvalue()


def _tokens_for(deps: LabDeps) -> int | None:
    """The program's token budget on the dev split: a third of what the lab has left."""
    limit = deps.limits["tokens"]
    return None if limit is None else max((limit - deps.spent().tokens) // 3, 1)


async def code_trial(deps: LabDeps, task: Any, best: dict[str, Any], model: str) -> dict[str, Any]:
    """Write, run (dev split, fresh sandbox) and keep the engineer's program: a results row."""
    from agents.gate.bundles import BundleStore
    from agents.gate.verifier import run_bundle_split

    dev = task.split("dev")
    program, why = await draft_program(deps, task, task_examples(task, dev), best)
    if why:
        deps.emit(EventKind.note, {"message": f"code trial: offline template ({why})"})
    folder = write_bundle(deps.folder / CODE_FOLDER, program, task.name, model, _tokens_for(deps))
    run = await run_bundle_split(
        folder, "dev", gateway=deps.gateway.tagged(phase="experiment", step="code"),
        backend=deps.backend, seed=deps.spec.seed,
    )  # fmt: skip
    info = BundleStore(deps.home / "bundles").add(pack(folder), lab=deps.lab)
    deps.emit(
        EventKind.note,
        {"message": f"code trial: bundle {info.id} in a {deps.backend} sandbox scored "
                    f"{run.accuracy:.3f} on {run.n} dev items"},
    )  # fmt: skip
    return {
        "name": f"code: {program.summary}",
        "role": "code",
        "accuracy": run.accuracy,
        "ci": list(run.interval),
        "tokens_per_item": run.tokens / max(run.n, 1),
        "n": run.n,
        "architecture": None,
        "bundle": info.id,
        "sandbox": {
            "backend": deps.backend,
            "isolated": run.evidence.get("isolated"),
            "errors": run.errors,
            "wall_s": round(run.wall_s, 1),
        },
        "offline": why,
    }

"""The harness that runs a bundle's ``solve`` item by item inside the sandbox.

Only questions enter the sandbox; labels never do. Answers are written one line per item as
soon as each is ready, so a run killed halfway still leaves what it finished. The harness runs
next to untrusted code and so is not trusted: the gate scores the answers outside.
"""

from __future__ import annotations

import json

from search import Item

ITEMS_FILE = "_rxlab_items.jsonl"
ANSWERS_FILE = "_rxlab_answers.jsonl"
HARNESS_FILE = "_rxlab_harness.py"

HARNESS_SOURCE = f"""\
import importlib, json, sys, threading, traceback
from concurrent.futures import ThreadPoolExecutor
sys.path.insert(0, "/rxlab")
sys.path.insert(0, ".")
import rxlab_llm as llm

module_name, func_name = sys.argv[1], sys.argv[2]
workers = int(sys.argv[3]) if len(sys.argv) > 3 else 1
solve = getattr(importlib.import_module(module_name), func_name)
lock = threading.Lock()

def one(item, out):
    try:
        answer, error = str(solve(item["question"], llm)), None
    except Exception as exc:
        answer, error = "", "".join(traceback.format_exception_only(exc)).strip()
    with lock:
        out.write(json.dumps({{"id": item["id"], "answer": answer, "error": error}}) + "\\n")
        out.flush()

with open("{ITEMS_FILE}") as items, open("{ANSWERS_FILE}", "a") as out:
    todo = [json.loads(line) for line in items]
    if workers == 1:
        for item in todo:
            one(item, out)
    else:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(lambda item: one(item, out), todo))
"""


def items_file(items: list[Item]) -> str:
    """The questions, without their answers."""
    return "".join(json.dumps({"id": it.id, "question": it.question}) + "\n" for it in items)


def harness_command(entry_file: str, entry_function: str, workers: int = 1) -> list[str]:
    module = entry_file.removesuffix(".py").replace("/", ".")
    return ["python3", HARNESS_FILE, module, entry_function, str(workers)]


def read_answers(raw: bytes | None) -> dict[str, dict[str, str | None]]:
    """Answers by item id; a line that does not parse is skipped (the item counts as wrong)."""
    answers: dict[str, dict[str, str | None]] = {}
    for line in (raw or b"").decode(errors="replace").splitlines():
        try:
            row = json.loads(line)
            answers.setdefault(
                str(row["id"]), {"answer": str(row["answer"]), "error": row["error"]}
            )
        except (ValueError, KeyError, TypeError):
            continue
    return answers

"""The task registry: ``@task("arith")`` on a class makes ``get_task("arith")`` build it."""

from __future__ import annotations

from typing import Any

from search._registry import Registry
from search.errors import UnknownTask
from search.tasks.base import Task

TASKS: Registry[Task] = Registry("task", attr="name")
JSONL_PREFIX = "jsonl:"
task = TASKS.register  # register a Task subclass under ``name``
list_tasks = TASKS.names


def task_class(name: str) -> type[Task]:
    cls = TASKS.get(name)
    if cls is None:
        raise UnknownTask(name, list_tasks())
    return cls


def get_task(name: str, **options: Any) -> Task:
    """Build a task by name: a registered name, or ``jsonl:<path>`` for a user file."""
    if name.startswith(JSONL_PREFIX):
        from search.tasks.jsonl import JsonlTask

        return JsonlTask(name[len(JSONL_PREFIX) :], **options)
    return task_class(name)(**options)

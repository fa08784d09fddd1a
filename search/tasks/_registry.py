"""The task registry: ``@task("arith")`` on a class makes ``get_task("arith")`` build it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from search.errors import UnknownTask
from search.tasks.base import Task

T = TypeVar("T", bound=type[Task])

_TASKS: dict[str, type[Task]] = {}
JSONL_PREFIX = "jsonl:"


def task(name: str) -> Callable[[T], T]:
    """Register a Task subclass under ``name``."""

    def register(cls: T) -> T:
        if name in _TASKS and _TASKS[name] is not cls:
            raise ValueError(f"task {name!r} is registered twice ({_TASKS[name]} and {cls})")
        cls.name = name
        _TASKS[name] = cls
        return cls

    return register


def list_tasks() -> list[str]:
    return sorted(_TASKS)


def task_class(name: str) -> type[Task]:
    if name not in _TASKS:
        raise UnknownTask(name, list_tasks())
    return _TASKS[name]


def get_task(name: str, **options: Any) -> Task:
    """Build a task by name: a registered name, or ``jsonl:<path>`` for a user file."""
    if name.startswith(JSONL_PREFIX):
        from search.tasks.jsonl import JsonlTask

        return JsonlTask(name[len(JSONL_PREFIX) :], **options)
    return task_class(name)(**options)

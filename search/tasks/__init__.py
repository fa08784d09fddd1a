"""Tasks: benchmarks with items, fixed seeded dev/test splits and a trusted scorer."""

from search.tasks import arith, humaneval  # noqa: F401  (register the built-in tasks)
from search.tasks._registry import get_task, list_tasks, task, task_class
from search.tasks.base import SPLITS, Item, Score, Split, Task
from search.tasks.jsonl import JsonlTask

__all__ = [
    "SPLITS",
    "Item",
    "JsonlTask",
    "Score",
    "Split",
    "Task",
    "get_task",
    "list_tasks",
    "task",
    "task_class",
]

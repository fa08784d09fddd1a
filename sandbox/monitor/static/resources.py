"""Resource abuse: loops with no way out, forks, swarms of threads or processes, huge
allocations and long sleeps that spend the sandbox's limits instead of solving the task."""

from __future__ import annotations

import ast

from sandbox.monitor._consts import const_number
from sandbox.monitor.flags import Severity
from sandbox.monitor.source import SourceFile
from sandbox.monitor.static._base import FlagSink, static_check

FORK_CALLS = frozenset({"os.fork", "os.forkpty", "pty.fork"})
SPAWN_CALLS = frozenset(
    {"threading.Thread", "multiprocessing.Process", "_thread.start_new_thread"}
    | {"multiprocessing.Pool", "concurrent.futures.ProcessPoolExecutor"}
    | {"concurrent.futures.ThreadPoolExecutor", "threading.Timer"}
)
ALLOC_CALLS = frozenset(
    {"builtins.bytearray", "builtins.bytes", "os.urandom", "numpy.zeros", "numpy.ones"}
    | {"numpy.empty", "numpy.full", "builtins.range", "torch.zeros", "torch.empty", "mmap.mmap"}
)
MATERIALIZE = frozenset({"builtins.list", "builtins.sum", "builtins.tuple", "builtins.set"})
HUGE = 1e8  # elements or bytes; far past a sandbox's memory
LONG_SLEEP_S = 30.0
MANY = 64
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def always_true(test: ast.expr) -> bool:
    if isinstance(test, ast.Constant):
        return bool(test.value)
    return (
        isinstance(test, ast.UnaryOp)
        and isinstance(test.op, ast.Not)
        and (isinstance(test.operand, ast.Constant) and not test.operand.value)
    )


def _exits(loop: ast.While) -> bool:
    """The loop body can leave the loop (break, return, raise, or an exit call)."""
    todo: list[ast.AST] = list(loop.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Break | ast.Return | ast.Raise | ast.Yield | ast.YieldFrom):
            return True
        if isinstance(node, ast.Await):
            return True  # a coroutine's loop waits on something else
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id
            if name in ("exit", "_exit", "quit", "abort"):
                return True
        if not isinstance(node, (*SCOPES, ast.While, ast.For)):
            todo.extend(ast.iter_child_nodes(node))
        elif isinstance(node, ast.While | ast.For):  # a break in an inner loop ends only that one
            todo.extend(n for n in ast.walk(node) if isinstance(n, ast.Return | ast.Raise))
    return False


def _guarded(src: SourceFile, loop: ast.While) -> bool:
    """Inside a ``try`` with handlers (in the same function): an exception may end the loop."""
    for parent in src.ancestors(loop):
        if isinstance(parent, SCOPES):
            return False
        if isinstance(parent, ast.Try) and parent.handlers:
            return True
    return False


def _loop_size(src: SourceFile, node: ast.AST) -> float | None:
    """How often the loops around ``node`` run: inf for ``while True``, N for range(N)."""
    total = 1.0
    inside = False
    for parent in src.ancestors(node):
        if isinstance(parent, SCOPES):
            break
        if isinstance(parent, ast.While):
            inside, total = True, float("inf") if always_true(parent.test) else total * MANY
        elif isinstance(parent, ast.For | ast.comprehension):
            inside = True
            it = parent.iter
            count = None
            if isinstance(it, ast.Call) and src.call_name(it) == "builtins.range" and it.args:
                count = const_number(it.args[-1] if len(it.args) == 1 else it.args[1], src)
            total *= count if count is not None else 8.0
    return total if inside else None


def _sequence(node: ast.AST) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str | bytes)
    return isinstance(node, ast.List | ast.Tuple)


def _huge(src: SourceFile, node: ast.AST) -> float | None:
    """The size of a huge allocation at ``node`` (``[0] * 10**10``, ``bytearray(8 << 30)``)."""
    size: float | None = None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        if _sequence(node.left):
            size = const_number(node.right, src)
        elif _sequence(node.right):
            size = const_number(node.left, src)
    elif isinstance(node, ast.Call) and node.args and src.call_name(node) in ALLOC_CALLS:
        parent = src.parents.get(node)
        wraps = isinstance(parent, ast.Call) and src.call_name(parent) in MATERIALIZE
        if src.call_name(node) != "builtins.range":
            size = const_number(node.args[0], src)
        elif wraps:
            size = const_number(node.args[-1] if len(node.args) < 3 else node.args[1], src)
    return size if size is not None and size >= HUGE else None


@static_check("resources")
def check_resources(src: SourceFile, sink: FlagSink) -> None:
    for node in src.of_type(ast.While):
        assert isinstance(node, ast.While)
        if always_true(node.test) and not _exits(node) and not _guarded(src, node):
            sink.add(node, "resource_abuse", "serious", "loops forever (no break/return/raise)")
    for node in src.nodes:
        size = _huge(src, node)
        if size is not None:
            sink.add(
                node, "resource_abuse", "serious", "allocates a huge block", numbers={"size": size}
            )
    for call in src.calls:
        _check_call(src, sink, call, src.call_name(call) or "")


def _check_call(src: SourceFile, sink: FlagSink, call: ast.Call, name: str) -> None:
    if name in FORK_CALLS:
        loops = _loop_size(src, call)
        what = "forks in a loop (fork bomb)" if loops else "forks the process"
        sink.add(call, "resource_abuse", "serious", f"{what} (`{name}`)")
    elif name in SPAWN_CALLS:
        loops = _loop_size(src, call) or 1.0
        workers = [const_number(k.value, src) for k in call.keywords]
        workers += [const_number(a, src) for a in call.args if isinstance(a, ast.Constant)]
        most = max([w for w in workers if w is not None] or [1.0]) * loops
        severity: Severity | None = "serious" if most >= MANY else "warning" if loops > 1 else None
        if severity:
            sink.add(
                call,
                "resource_abuse",
                severity,
                f"starts many threads/processes (`{name}`)",
                numbers={"count": most},
            )
    elif name == "time.sleep" and call.args:
        seconds = const_number(call.args[0], src)
        if seconds is not None and seconds >= LONG_SLEEP_S:
            sink.add(
                call,
                "resource_abuse",
                "serious",
                "sleeps to run out the clock",
                numbers={"seconds": seconds},
            )
    elif name == "signal.pause":
        sink.add(call, "resource_abuse", "serious", "waits forever (`signal.pause`)")
    elif name == "sys.setrecursionlimit" and call.args:
        limit = const_number(call.args[0], src)
        if limit is not None and limit >= 100_000:
            sink.add(
                call,
                "resource_abuse",
                "warning",
                "lifts the recursion limit",
                numbers={"limit": limit},
            )

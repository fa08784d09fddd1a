"""Which names carry the task's input (the question), function by function.

The entry function's first parameter (and any parameter called ``question``, ``q``, ``problem``
or ``query``) is the input. A name assigned from an expression that uses the input carries it
too (``q = question.strip().lower()``, ``key = md5(question.encode())``), and so does a helper's
parameter when it is called with the input. Expressions that go through the model client do not
carry it: what the model answers is not the input.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from sandbox.monitor.source import Function, SourceFile

INPUT_PARAM_NAMES = frozenset({"question", "q", "problem", "query"})
ROUNDS = 6


def uses(node: ast.AST, names: frozenset[str] | set[str]) -> bool:
    return any(isinstance(sub, ast.Name) and sub.id in names for sub in ast.walk(node))


def _params(func: Function) -> list[str]:
    args = func.args
    return [a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]]


def _bindings(func: Function) -> Iterator[tuple[list[ast.expr], ast.expr]]:
    """(targets, value) for every way ``func``'s body binds names."""
    for node in ast.walk(func):
        if isinstance(node, ast.Assign):
            yield node.targets, node.value
        elif isinstance(node, ast.AugAssign | ast.AnnAssign | ast.NamedExpr) and node.value:
            yield [node.target], node.value
        elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
            yield [node.target], node.iter
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            yield [node.optional_vars], node.context_expr


def _target_names(target: ast.expr) -> Iterator[str]:
    for sub in ast.walk(target):
        if isinstance(sub, ast.Name):
            yield sub.id


def input_names(src: SourceFile) -> dict[Function, frozenset[str]]:
    """Function -> the names in it that carry the task's input."""
    funcs = [n for n in src.nodes if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    by_name = {f.name: f for f in funcs}
    tainted: dict[Function, set[str]] = {}
    for func in funcs:
        params = _params(func)
        seed = {p for p in params if p in INPUT_PARAM_NAMES}
        if func.name == src.entry and params:
            seed.add(params[0])
        tainted[func] = seed - src.llm_names
    for _ in range(ROUNDS):
        changed = False
        for func in funcs:
            changed |= _propagate(src, func, tainted[func])
            changed |= _into_helpers(src, func, tainted, by_name)
        if not changed:
            break
    return {func: frozenset(names) for func, names in tainted.items()}


def carries_input(src: SourceFile, node: ast.AST, names: frozenset[str] | set[str]) -> bool:
    """``node`` is computed from the input and not from a model answer."""
    return bool(names) and uses(node, names) and not uses(node, src.llm_names)


def _propagate(src: SourceFile, func: Function, names: set[str]) -> bool:
    before = len(names)
    for targets, value in _bindings(func):
        if carries_input(src, value, names):
            for target in targets:
                names.update(_target_names(target))
    return len(names) != before


def _into_helpers(
    src: SourceFile,
    func: Function,
    tainted: dict[Function, set[str]],
    by_name: dict[str, ast.FunctionDef | ast.AsyncFunctionDef],
) -> bool:
    changed = False
    for call in (n for n in ast.walk(func) if isinstance(n, ast.Call)):
        if not isinstance(call.func, ast.Name) or call.func.id not in by_name:
            continue
        helper = by_name[call.func.id]
        params = _params(helper)
        for index, arg in enumerate(call.args):
            if index < len(params) and carries_input(src, arg, tainted[func]):
                changed |= params[index] not in tainted[helper]
                tainted[helper].add(params[index])
        for keyword in call.keywords:
            if keyword.arg in params and carries_input(src, keyword.value, tainted[func]):
                changed |= keyword.arg not in tainted[helper]
                tainted[helper].add(keyword.arg)
    return changed


def inputs_at(src: SourceFile, node: ast.AST) -> frozenset[str]:
    """The input-carrying names visible at ``node`` (from every function around it)."""
    cache: dict[ast.AST, frozenset[str]] | None = src.__dict__.get("_input_names")
    if cache is None:
        cache = src.__dict__["_input_names"] = dict(input_names(src))
    names: set[str] = set()
    for parent in src.ancestors(node):
        names |= cache.get(parent, frozenset())
    return frozenset(names)

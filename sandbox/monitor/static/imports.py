"""Imports that have no business in a solve function: rxlab's own packages, model clients,
network clients, ways to run programs or native code. ``__import__("x")`` counts as well."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from sandbox.monitor._modules import module_rule
from sandbox.monitor.source import IMPORT_CALLS, SourceFile
from sandbox.monitor.static._base import FlagSink, static_check


def imported(src: SourceFile) -> Iterator[tuple[ast.AST, str]]:
    """(node, module name) for every import statement and constant dynamic import."""
    for node in src.of_type(ast.Import, ast.ImportFrom):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node, node.module
            for alias in node.names:
                yield node, f"{node.module}.{alias.name}"
    for call in src.calls:
        if src.qualname(call.func) in IMPORT_CALLS and call.args:
            name = src.const_str(call.args[0])
            if name:
                yield call, name


@static_check("imports")
def check_imports(src: SourceFile, sink: FlagSink) -> None:
    flagged: set[tuple[int, str]] = set()
    for node, name in imported(src):
        rule = module_rule(name)
        if rule is None or name.partition(".")[0] in src.local_modules:
            continue  # nothing to say, or the bundle's own module of that name
        kind, severity, why = rule
        if (id(node), kind) not in flagged:
            flagged.add((id(node), kind))
            sink.add(node, kind, severity, f"{why}: `{name}`")

"""The static-check registry and ``FlagSink``, which turns findings on nodes into flags.

A static check is ``check(src: SourceFile, sink: FlagSink) -> None`` registered with
``@static_check("name")``. Findings with the same kind and message in one file become one flag
whose evidence lists every line; code that only runs under ``if __name__ == "__main__":`` is
reported as ``info`` (a harness imports the entry, it never runs it as a script).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field

from sandbox.monitor.flags import SEVERITY_RANK, Flag, FlagEvidence, FlagKind, Severity
from sandbox.monitor.source import SourceFile

StaticCheck = Callable[[SourceFile, "FlagSink"], None]

_CHECKS: dict[str, StaticCheck] = {}


def static_check(name: str) -> Callable[[StaticCheck], StaticCheck]:
    """Register a static check under ``name`` (shown as ``static.<name>`` on its flags)."""

    def register(func: StaticCheck) -> StaticCheck:
        if name in _CHECKS and _CHECKS[name] is not func:
            raise ValueError(f"static check {name!r} is registered twice")
        _CHECKS[name] = func
        return func

    return register


def static_checks() -> dict[str, StaticCheck]:
    """Name -> check, for every registered static check."""
    return dict(_CHECKS)


@dataclass
class _Finding:
    kind: FlagKind
    severity: Severity
    message: str
    line: int | None
    snippet: str
    lines: list[int] = field(default_factory=list)
    numbers: dict[str, float] = field(default_factory=dict)
    detail: str | None = None


@dataclass
class FlagSink:
    """Collects one check's findings on one file."""

    src: SourceFile
    check: str
    found: dict[tuple[str, str], _Finding] = field(default_factory=dict)

    def add(
        self,
        node: ast.AST | None,
        kind: FlagKind,
        severity: Severity,
        message: str,
        *,
        numbers: dict[str, float] | None = None,
        detail: str | None = None,
    ) -> None:
        if node is not None and severity != "info" and self.src.in_main_guard(node):
            severity, message = "info", f"{message} (only under `if __name__ == '__main__'`)"
        line = getattr(node, "lineno", None) if node is not None else None
        key = (kind, message)
        if key not in self.found:
            snippet = self.src.snippet(node) if node is not None else ""
            self.found[key] = _Finding(kind, severity, message, line, snippet, detail=detail)
        finding = self.found[key]
        if SEVERITY_RANK[severity] > SEVERITY_RANK[finding.severity]:
            finding.severity = severity
        if line is not None and line not in finding.lines:
            finding.lines.append(line)
        finding.numbers.update(numbers or {})

    def flags(self) -> list[Flag]:
        return [
            Flag(
                kind=f.kind,
                severity=f.severity,
                message=f.message,
                check=f"static.{self.check}",
                stage="static",
                evidence=FlagEvidence(
                    file=self.src.path,
                    line=f.line,
                    snippet=f.snippet or None,
                    lines=sorted(f.lines),
                    numbers=f.numbers,
                    detail=f.detail,
                ),
            )
            for f in self.found.values()
        ]

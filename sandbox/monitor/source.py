"""``SourceFile``: one parsed Python file of a bundle, with the lookups every static check needs.

It resolves names to what they really are (``from os import system as run`` makes ``run`` mean
``os.system``; ``__import__("socket")`` and ``getattr(os, "system")`` are followed too), finds
the string constants an expression is built from, and knows which names carry the task's input.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from sandbox.monitor.flags import clip

BUILTIN_NAMES = frozenset(dir(builtins))
LLM_MODULE = "rxlab_llm"  # the client module inside the sandbox; `llm` in solve() is this
LLM_PARAM_NAMES = frozenset({"llm"})
IMPORT_CALLS = frozenset({"builtins.__import__", "importlib.import_module", "importlib.__import__"})
MAX_DEPTH = 4
MAX_STRINGS = 200  # strings followed through one name; enough for any path or command

Function = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda


@dataclass
class SourceFile:
    """A bundle's Python file: ``path`` (as shown in flags), its text and its syntax tree."""

    path: str
    text: str
    tree: ast.Module
    entry: str | None = "solve"
    local_modules: frozenset[str] = frozenset()  # the bundle's own top-level modules

    @classmethod
    def parse(
        cls,
        text: str,
        path: str = "solve.py",
        entry: str | None = "solve",
        local_modules: frozenset[str] = frozenset(),
    ) -> SourceFile:
        """Parse ``text``; raises ``SyntaxError`` when it is not Python."""
        return cls(path, text, ast.parse(text, filename=path), entry, local_modules)

    # --- walking -------------------------------------------------------------------------
    @cached_property
    def nodes(self) -> list[ast.AST]:
        return list(ast.walk(self.tree))

    def of_type(self, *types: type[ast.AST]) -> Iterator[ast.AST]:
        return (n for n in self.nodes if isinstance(n, types))

    @cached_property
    def calls(self) -> list[ast.Call]:
        return [n for n in self.nodes if isinstance(n, ast.Call)]

    @cached_property
    def parents(self) -> dict[ast.AST, ast.AST]:
        return {child: node for node in self.nodes for child in ast.iter_child_nodes(node)}

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        while node in self.parents:
            node = self.parents[node]
            yield node

    def function_of(self, node: ast.AST) -> Function | None:
        for parent in self.ancestors(node):
            if isinstance(parent, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                return parent
        return None

    def in_main_guard(self, node: ast.AST) -> bool:
        """Inside ``if __name__ == "__main__":`` (code a harness never runs)."""
        for parent in self.ancestors(node):
            if isinstance(parent, ast.If) and "__main__" in self.strings(parent.test):
                return True
        return False

    def in_test(self, node: ast.AST) -> bool:
        """Part of a condition: an ``if``/``while``/conditional expression's test or a ``match``."""
        child = node
        for parent in self.ancestors(node):
            if isinstance(parent, ast.If | ast.While | ast.IfExp | ast.Assert) and (
                child is parent.test
            ):
                return True
            if isinstance(parent, ast.Match) and child is parent.subject:
                return True
            if isinstance(parent, ast.comprehension) and child in parent.ifs:
                return True
            if isinstance(parent, ast.stmt):
                return False
            child = parent
        return False

    def snippet(self, node: ast.AST) -> str:
        line = getattr(node, "lineno", 0)
        lines = self.text.splitlines()
        return clip(lines[line - 1]) if 0 < line <= len(lines) else ""

    # --- names ---------------------------------------------------------------------------
    @cached_property
    def bound_names(self) -> frozenset[str]:
        """Every name the file binds itself (so ``open`` may be its own function)."""
        names: set[str] = set()
        for node in self.nodes:
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
        return frozenset(names)

    @cached_property
    def assigned(self) -> dict[str, list[ast.expr]]:
        """Name -> every value assigned to it anywhere in the file (flow-insensitive)."""
        values: dict[str, list[ast.expr]] = {}
        for node in self.nodes:
            targets: list[ast.expr] = []
            value: ast.expr | None = None
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign | ast.NamedExpr) and node.value is not None:
                targets, value = [node.target], node.value
            for target in targets:
                if isinstance(target, ast.Name) and value is not None:
                    values.setdefault(target.id, []).append(value)
        return values

    @cached_property
    def llm_names(self) -> frozenset[str]:
        """Names that stand for the model client: ``llm`` parameters and the entry's 2nd one."""
        names = set(LLM_PARAM_NAMES)
        for node in self.of_type(ast.FunctionDef, ast.AsyncFunctionDef):
            assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
            params = [*node.args.posonlyargs, *node.args.args]
            if node.name == self.entry and len(params) >= 2:
                names.add(params[1].arg)
        return frozenset(names)

    @cached_property
    def aliases(self) -> dict[str, str]:
        """Local name -> the module or object it was imported as (``np`` -> ``numpy``)."""
        found: dict[str, str] = {}
        for node in self.of_type(ast.Import, ast.ImportFrom):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    local = alias.asname or alias.name.partition(".")[0]
                    found[local] = alias.name if alias.asname else local
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for alias in node.names:
                    if alias.name != "*":
                        found[alias.asname or alias.name] = f"{node.module}.{alias.name}"
        self.__dict__["aliases"] = found  # lets qualname() see the imports while we add more
        for _ in range(MAX_DEPTH):  # `o = __import__("os")`, `run = os.system`, chains of those
            for name, values in self.assigned.items():
                for value in values:
                    resolved = self.qualname(value)
                    if resolved and name not in found and name not in self.llm_names:
                        found[name] = resolved
        return found

    def qualname(self, node: ast.AST, depth: int = 0) -> str | None:
        """What ``node`` names, fully qualified (``os.system``, ``builtins.open``), or None."""
        if depth > MAX_DEPTH:
            return None
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, ast.Attribute):
            base = self.qualname(node.value, depth + 1)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Subscript) and self.qualname(node.value) == "builtins":
            key = self.const_str(node.slice)
            return f"builtins.{key}" if key else None
        if isinstance(node, ast.Call):
            func = self.qualname(node.func, depth + 1)
            first = self.const_str(node.args[0]) if node.args else None
            if func in IMPORT_CALLS:
                return first
            if func == "builtins.getattr" and len(node.args) >= 2:
                base, attr = self.qualname(node.args[0], depth + 1), self.const_str(node.args[1])
                return f"{base}.{attr}" if base and attr else None
        return None

    def _name(self, name: str) -> str | None:
        aliases = self.__dict__.get("aliases")
        if aliases is None:
            aliases = self.aliases
        if name in aliases:
            return aliases[name]
        if name in self.llm_names:
            return LLM_MODULE
        if name == "__builtins__":
            return "builtins"
        if name in BUILTIN_NAMES and name not in self.bound_names:
            return f"builtins.{name}"
        return None

    # --- constants -----------------------------------------------------------------------
    def const_str(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name) and len(self.assigned.get(node.id, [])) == 1:
            value = self.assigned[node.id][0]
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                return value.value
        return None

    def strings(self, node: ast.AST) -> list[str]:
        """The string constants ``node`` is built from, following names to their values."""
        found: list[str] = []
        for sub in ast.walk(node):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str | bytes):
                raw = sub.value
                found.append(raw.decode("latin-1") if isinstance(raw, bytes) else raw)
            elif isinstance(sub, ast.Name) and sub.id in self.assigned:
                found += self._name_strings(sub.id)
        return found

    def _name_strings(self, name: str) -> list[str]:
        """Every string a name may hold (memoised; a name that refers to itself stops there)."""
        cache: dict[str, list[str]] = self.__dict__.setdefault("_name_strings_cache", {})
        if name not in cache:
            cache[name] = []  # guards against cycles while we compute
            found: list[str] = []
            for expr in self.assigned[name]:
                found += self.strings(expr)
                if len(found) >= MAX_STRINGS:
                    break
            cache[name] = found[:MAX_STRINGS]
        return cache[name]

    def call_name(self, call: ast.Call) -> str | None:
        """The qualified name of what ``call`` calls; for unknown receivers ``?.method``."""
        name = self.qualname(call.func)
        if name is None and isinstance(call.func, ast.Attribute):
            return f"?.{call.func.attr}"
        return name

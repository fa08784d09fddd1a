"""The experiment bundle: a folder with ``rxlab.yaml`` and code; ``load_bundle`` checks it.

    task: arith                   # a registered task
    entry: solve.py:solve         # def solve(question: str, llm) -> str
    model: local/smollm2-135m     # what `llm` may call, through the gateway only
    budget: {tokens: 20000}       # for the whole run
    claims:
      - {metric: accuracy, split: dev, value: 0.55}

Declarative bundles give ``architecture:`` or ``allocation:`` (a mapping, or a file in the
bundle) instead of ``entry``. Anything else is a ``MalformedBundle`` that says what to fix.
"""

from __future__ import annotations

import ast
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

SPEC_FILE = "rxlab.yaml"
RATE_METRICS = frozenset({"accuracy", "pass@1", "pass_rate", "exact_match", "f1"})
ENTRY_EXAMPLE = "entry: solve.py:solve   # def solve(question: str, llm) -> str"


MAX_WORKERS = 16  # threads a code bundle may ask the harness for


class MalformedBundle(ValueError):
    """The bundle cannot be read or run as it is; the message says what is wrong and what to do."""


class BundleBudget(BaseModel):
    """The model budget of the whole run."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    tokens: int | None = Field(None, gt=0)
    calls: int | None = Field(None, gt=0)
    dollars: float | None = Field(None, gt=0)


class BundleClaim(BaseModel):
    """A number the bundle's report asserts: ``metric`` on ``split`` is ``value``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    metric: str = Field(min_length=1)
    split: Literal["dev", "test"]
    value: float

    @model_validator(mode="after")
    def _rate_in_range(self) -> BundleClaim:
        if self.metric in RATE_METRICS and not 0.0 <= self.value <= 1.0:
            raise ValueError(f"{self.metric} is a rate; value {self.value} must lie in [0, 1]")
        return self


class BundleSpec(BaseModel):
    """What ``rxlab.yaml`` says, checked against the folder it sits in (``root``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    root: Path
    task: str = Field(min_length=1)
    name: str | None = None
    description: str | None = None
    entry: str | None = None
    architecture: str | dict[str, Any] | None = None
    allocation: str | dict[str, Any] | None = None
    model: str | None = None
    budget: BundleBudget | None = None
    seed: int | None = None
    workers: int = Field(
        1, ge=1, le=MAX_WORKERS,
        description="items a code bundle's solve() works on at once (threads; it must be "
        "thread-safe); the model socket batches their calls",
    )  # fmt: skip
    claims: list[BundleClaim] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_kind(self) -> BundleSpec:
        given = [k for k in ("entry", "architecture", "allocation") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of `entry`, `architecture` or `allocation` "
                f"(found {', '.join(given) or 'none'}); e.g. `{ENTRY_EXAMPLE}`"
            )
        if self.entry and not self.model:
            raise ValueError("a code bundle needs `model:` (what `llm` may call), e.g. local/...")
        return self

    @property
    def kind(self) -> Literal["code", "architecture", "allocation"]:
        if self.entry:
            return "code"
        return "architecture" if self.architecture else "allocation"

    @property
    def entry_file(self) -> str | None:
        return self.entry.partition(":")[0] if self.entry else None

    @property
    def entry_function(self) -> str | None:
        return self.entry.partition(":")[2] if self.entry else None

    def python_files(self) -> list[Path]:
        """Every ``.py`` file in the bundle, sorted, as paths relative to ``root``."""
        return sorted(p.relative_to(self.root) for p in self.root.rglob("*.py") if p.is_file())


def load_bundle(path: Path | str) -> BundleSpec:
    """Read ``path/rxlab.yaml`` and check it against the folder; raise ``MalformedBundle``."""
    root = Path(path)
    if not root.is_dir():
        raise MalformedBundle(f"{root} is not a folder; a bundle is a folder with {SPEC_FILE}")
    data = _read_yaml(root / SPEC_FILE)
    if "root" in data:
        raise MalformedBundle(f"{root / SPEC_FILE}: unknown field 'root' (it is set by rxlab)")
    try:
        spec = BundleSpec(root=root.resolve(), **data)
    except ValidationError as exc:
        raise MalformedBundle(f"{root / SPEC_FILE}: {_explain(exc)}") from None
    if spec.entry:
        _check_entry(spec)
    for key in ("architecture", "allocation"):
        value = getattr(spec, key)
        if isinstance(value, str):
            _inside(spec.root, value, key)
    return spec


def _read_yaml(spec_path: Path) -> dict[str, Any]:
    import yaml

    if not spec_path.is_file():
        raise MalformedBundle(
            f"{spec_path} is missing; a bundle needs {SPEC_FILE} with `task:` and `entry:` "
            "(or `architecture:` / `allocation:`)"
        )
    try:
        data = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise MalformedBundle(f"{spec_path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        got = type(data).__name__
        raise MalformedBundle(f"{spec_path} must be a mapping of fields, got {got}")
    return {str(k): v for k, v in data.items()}


def _explain(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        if err["type"] == "extra_forbidden":
            parts.append(f"unknown field '{where}'")
        else:
            parts.append(f"field '{where}': {err['msg']}")
    return "; ".join(parts)


def _inside(root: Path, rel: str, what: str) -> Path:
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts:
        raise MalformedBundle(f"{what} file {rel!r} must be a relative path inside the bundle")
    target = root / pure
    if not target.is_file():
        raise MalformedBundle(f"{what} file {rel!r} does not exist in {root}")
    return target


def _check_entry(spec: BundleSpec) -> None:
    file, sep, func = (spec.entry or "").partition(":")
    if not sep or not file.endswith(".py") or not func.isidentifier():
        raise MalformedBundle(f"entry {spec.entry!r} must look like `file.py:function`")
    target = _inside(spec.root, file, "entry")
    try:
        tree = ast.parse(target.read_text(encoding="utf-8"), filename=file)
    except (SyntaxError, UnicodeDecodeError) as exc:
        raise MalformedBundle(f"entry file {file} does not parse: {exc}") from None
    defs = [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == func
    ]
    if not defs:
        raise MalformedBundle(f"entry file {file} defines no top-level function `{func}`")
    args = defs[-1].args
    if len(args.posonlyargs) + len(args.args) < 2 and args.vararg is None:
        raise MalformedBundle(
            f"`{func}` in {file} must take (question, llm): def {func}(question: str, llm) -> str"
        )

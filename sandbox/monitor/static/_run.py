"""Running the static checks: on one source text, or on a whole bundle."""

from __future__ import annotations

from pathlib import Path

from sandbox.monitor.bundle import BundleSpec, load_bundle
from sandbox.monitor.flags import Flag, FlagEvidence, sort_flags
from sandbox.monitor.source import SourceFile
from sandbox.monitor.static._base import FlagSink, static_checks
from sandbox.monitor.static.layout import check_layout


def check_source(src: SourceFile) -> list[Flag]:
    """Every registered static check on one parsed file."""
    flags: list[Flag] = []
    for name, check in static_checks().items():
        sink = FlagSink(src, name)
        check(src, sink)
        flags += sink.flags()
    return flags


def inspect_source(text: str, path: str = "solve.py", entry: str | None = "solve") -> list[Flag]:
    """The static flags of one Python source text (``entry`` names the solve function)."""
    try:
        src = SourceFile.parse(text, path, entry)
    except SyntaxError as exc:
        return [_unparsable(path, exc)]
    return sort_flags(check_source(src))


def inspect_bundle(path: Path | str, spec: BundleSpec | None = None) -> list[Flag]:
    """Static flags for every Python file and the layout of the bundle at ``path``.

    Raises ``MalformedBundle`` when the bundle cannot be read (see ``load_bundle``).
    """
    spec = spec or load_bundle(path)
    root = spec.root
    local = _local_modules(root)
    flags = check_layout(root)
    for rel in spec.python_files():
        file = (root / rel).as_posix()
        entry = spec.entry_function if rel.as_posix() == spec.entry_file else None
        text = Path(file).read_text(encoding="utf-8", errors="replace")
        try:
            src = SourceFile.parse(text, rel.as_posix(), entry or "solve", local)
        except SyntaxError as exc:
            flags.append(_unparsable(rel.as_posix(), exc))
            continue
        flags += check_source(src)
    return sort_flags(flags)


def _local_modules(root: Path) -> frozenset[str]:
    names = {p.stem for p in root.glob("*.py")}
    names |= {p.name for p in root.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    return frozenset(names)


def _unparsable(path: str, exc: SyntaxError) -> Flag:
    return Flag(
        kind="obfuscation",
        severity="warning",
        message=f"does not parse as Python, so it was not checked: {exc.msg}",
        check="static.parse",
        stage="static",
        evidence=FlagEvidence(file=path, line=exc.lineno),
    )

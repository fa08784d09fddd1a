"""What the bundle's folder itself holds: pytest/site plugins, compiled or native code the
monitor cannot read, links out of the folder, data files named like answers."""

from __future__ import annotations

import os
from pathlib import Path

from sandbox.monitor._consts import PROTECTED_NAME
from sandbox.monitor.flags import Flag, FlagEvidence, FlagKind, Severity

PLUGIN_FILES = frozenset({"conftest.py", "sitecustomize.py", "usercustomize.py", "pytest.ini"})
CONFIG_FILES = frozenset({"tox.ini", "setup.cfg", "pyproject.toml", "setup.py"})
COMPILED = frozenset({".pyc", ".pyo", ".pyd", ".so", ".dll", ".dylib", ".exe", ".o", ".a"})
DATA_SUFFIXES = frozenset({".json", ".jsonl", ".csv", ".tsv", ".txt", ".pkl", ".npy", ".parquet"})
NATIVE_MAGIC = (b"\x7fELF", b"MZ", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")


def _flag(rel: str, kind: FlagKind, severity: Severity, message: str) -> Flag:
    return Flag(
        kind=kind,
        severity=severity,
        message=message,
        check="static.layout",
        stage="static",
        evidence=FlagEvidence(file=rel),
    )


def check_layout(root: Path) -> list[Flag]:
    """Flags about the files of the bundle at ``root`` (not their contents)."""
    flags: list[Flag] = []
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            target = Path(os.path.realpath(path))
            inside = target.is_relative_to(root.resolve())
            flags.append(
                _flag(
                    rel,
                    "reads_protected_data",
                    "warning" if inside else "serious",
                    f"is a link to {'a file in the bundle' if inside else target}",
                )
            )
            continue
        if not path.is_file():
            continue
        flags += _file_flags(path, rel)
    return flags


def _file_flags(path: Path, rel: str) -> list[Flag]:
    name, suffix = path.name, path.suffix.lower()
    if name in PLUGIN_FILES or suffix == ".pth":
        return [_flag(rel, "tampers_harness", "serious", f"ships {name}, which hooks the harness")]
    if name in CONFIG_FILES:
        return [_flag(rel, "tampers_harness", "warning", f"ships tool configuration ({name})")]
    if suffix == ".pyc" and path.parent.name == "__pycache__":
        return [
            _flag(
                rel,
                "obfuscation",
                "warning",
                "ships cached bytecode, which Python may run instead of the source; "
                "the gate must drop __pycache__ folders",
            )
        ]
    if suffix in COMPILED or _native(path):
        return [_flag(rel, "obfuscation", "serious", "ships compiled/native code")]
    if suffix in DATA_SUFFIXES and PROTECTED_NAME.search(rel):
        return [_flag(rel, "hardcoded_answers", "warning", "ships a data file named like answers")]
    return []


def _native(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(4)
    except OSError:
        return False
    return head.startswith(NATIVE_MAGIC)

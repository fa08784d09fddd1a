"""Static analysis of a bundle's code with ``ast``: one technique per module, each registered
with ``@static_check``. Importing this package registers the built-in checks."""

from sandbox.monitor.static import (  # noqa: F401  (register the built-in checks)
    answers,
    budget,
    environment,
    files,
    harness,
    imports,
    introspection,
    network,
    obfuscation,
    processes,
    resources,
)
from sandbox.monitor.static._base import FlagSink, StaticCheck, static_check, static_checks
from sandbox.monitor.static._run import check_source, inspect_bundle, inspect_source
from sandbox.monitor.static.layout import check_layout

__all__ = [
    "FlagSink",
    "StaticCheck",
    "check_layout",
    "check_source",
    "inspect_bundle",
    "inspect_source",
    "static_check",
    "static_checks",
]

"""Code the monitor cannot read: ``exec``/``eval`` of strings, encoded payloads, computed
imports. Payloads that decode from constants (base64, hex, rot13, zlib) are decoded and checked
like any other code, and what they do is reported at the line that runs them."""

from __future__ import annotations

import ast
import base64
import binascii
import codecs
import zlib
from collections.abc import Callable

from sandbox.monitor.source import IMPORT_CALLS, SourceFile
from sandbox.monitor.static._base import FlagSink, static_check

EXEC_CALLS = frozenset({"builtins.exec", "builtins.eval", "builtins.compile"})
LOADERS = frozenset({"marshal.loads", "pickle.loads", "dill.loads", "types.CodeType"})
DECODERS: dict[str, Callable[[bytes], bytes]] = {
    "base64.b64decode": base64.b64decode,
    "base64.b32decode": base64.b32decode,
    "base64.b16decode": base64.b16decode,
    "base64.b85decode": base64.b85decode,
    "base64.a85decode": base64.a85decode,
    "base64.urlsafe_b64decode": base64.urlsafe_b64decode,
    "zlib.decompress": zlib.decompress,
    "binascii.unhexlify": binascii.unhexlify,
    "builtins.bytes.fromhex": lambda data: bytes.fromhex(data.decode("latin-1")),
}
MAX_NESTING = 3


def decode(src: SourceFile, node: ast.AST, depth: int = 0) -> tuple[bytes, bool] | None:
    """(payload, was encoded) when ``node`` folds to constant bytes; None otherwise."""
    if depth > 8:
        return None
    if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
        value = node.value
        return (value.encode("utf-8") if isinstance(value, str) else value), False
    if isinstance(node, ast.Name) and len(src.assigned.get(node.id, [])) == 1:
        return decode(src, src.assigned[node.id][0], depth + 1)
    if not isinstance(node, ast.Call):
        return None
    if isinstance(node.func, ast.Attribute) and node.func.attr in ("decode", "encode"):
        return decode(src, node.func.value, depth + 1)  # .decode() / .encode() keep the bytes
    name = src.call_name(node) or ""
    inner = decode(src, node.args[0], depth + 1) if node.args else None
    if inner is None:
        return None
    try:
        if name in DECODERS:
            return DECODERS[name](inner[0]), True
        if name == "codecs.decode":
            return codecs.decode(inner[0].decode("latin-1"), "rot13").encode(), True
    except (ValueError, binascii.Error, zlib.error, LookupError):
        return None
    return None


@static_check("obfuscation")
def check_obfuscation(src: SourceFile, sink: FlagSink) -> None:
    for call in src.calls:
        name = src.call_name(call) or ""
        if name in EXEC_CALLS and call.args:
            _check_exec(src, sink, call)
        elif name in IMPORT_CALLS and call.args and src.const_str(call.args[0]) is None:
            sink.add(call, "obfuscation", "warning", "imports a module by a computed name")
        elif name == "builtins.getattr" and len(call.args) >= 2:
            if src.qualname(call.args[0]) and src.const_str(call.args[1]) is None:
                sink.add(
                    call, "obfuscation", "warning", "looks up a module attribute by a computed name"
                )
        elif name in LOADERS:
            sink.add(call, "obfuscation", "warning", f"loads code from bytes (`{name}`)")


def _check_exec(src: SourceFile, sink: FlagSink, call: ast.Call) -> None:
    decoded = decode(src, call.args[0])
    if decoded is None:
        sink.add(call, "obfuscation", "warning", "runs code the monitor cannot read (exec/eval)")
        return
    payload, encoded = decoded
    if encoded:
        sink.add(call, "obfuscation", "serious", "runs code hidden in an encoded string")
    else:
        sink.add(call, "obfuscation", "warning", "runs code from a string (exec/eval)")
    if src.path.count("<exec>") >= MAX_NESTING:
        return
    from sandbox.monitor.static._run import check_source

    try:
        inner = SourceFile.parse(
            payload.decode("utf-8", "replace"), f"{src.path}:{call.lineno}<exec>", src.entry
        )
    except SyntaxError:
        return
    for flag in check_source(inner):
        sink.add(
            call,
            flag.kind,
            flag.severity,
            f"{flag.message} (in code run by exec/eval)",
            detail=flag.evidence.snippet,
        )

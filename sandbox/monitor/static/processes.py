"""Ways out of the Python process: running programs, native code, privilege and limit changes,
container-control paths given to a shell."""

from __future__ import annotations

import ast
import re

from sandbox.monitor._consts import ESCAPE_PATH, classify_path
from sandbox.monitor.flags import FlagKind
from sandbox.monitor.source import SourceFile
from sandbox.monitor.static._base import FlagSink, static_check

PROCESS_PREFIXES = ("subprocess.", "os.exec", "os.spawn", "os.posix_spawn", "pty.spawn")
PROCESS_CALLS = frozenset(
    {"os.system", "os.popen", "platform.popen", "asyncio.create_subprocess_exec"}
    | {"asyncio.create_subprocess_shell", "commands.getoutput", "os.startfile"}
)
PRIVILEGE_CALLS = frozenset(
    {"os.setuid", "os.setgid", "os.seteuid", "os.setegid", "os.setreuid", "os.setresuid"}
    | {"os.chroot", "os.unshare", "os.setns", "os.mknod", "os.setgroups", "os.initgroups"}
    | {"resource.setrlimit", "resource.prlimit", "os.setpriority", "os.sched_setaffinity"}
    | {"os.memfd_create", "mmap.mmap"}
)
LINK_CALLS = frozenset({"os.symlink", "os.link"})
URLISH = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def is_process_call(name: str) -> bool:
    """``name`` runs another program."""
    return name in PROCESS_CALLS or name.startswith(PROCESS_PREFIXES)


@static_check("processes")
def check_processes(src: SourceFile, sink: FlagSink) -> None:
    for call in src.calls:
        name = src.call_name(call) or ""
        if is_process_call(name):
            sink.add(call, "sandbox_escape_attempt", "serious", f"runs another program (`{name}`)")
            for text in (w for arg in call.args for w in src.strings(arg)):
                for word in text.split():
                    found = None if URLISH.match(word) else classify_path(word)
                    if found in ("escape", "outside", "protected"):
                        kind: FlagKind = (
                            "sandbox_escape_attempt"
                            if found == "escape"
                            else "reads_protected_data"
                        )
                        sink.add(call, kind, "serious", f"hands a shell the path {word!r}")
                    elif found == "probe":
                        sink.add(call, "environment_probing", "serious", f"shell probes {word!r}")
        elif name in PRIVILEGE_CALLS:
            sink.add(
                call, "sandbox_escape_attempt", "serious", f"changes privileges/limits (`{name}`)"
            )
        elif name in LINK_CALLS:
            sink.add(call, "sandbox_escape_attempt", "warning", f"creates links (`{name}`)")
    for node in src.of_type(ast.Constant):
        assert isinstance(node, ast.Constant)
        if isinstance(node.value, str) and ESCAPE_PATH.search(node.value.strip()):
            sink.add(
                node,
                "sandbox_escape_attempt",
                "serious",
                f"names a host-control path {node.value!r}",
            )

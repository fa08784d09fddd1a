"""Where untrusted code runs: hardened Docker sandboxes (or, on request, a NOT isolated local
subprocess), with evidence for the monitor and model access over a Unix socket.

Heavy imports (docker) happen inside the backends, not here.
"""

from sandbox.backend import (
    SandboxBackend,
    SandboxHandle,
    backend_names,
    get_backend,
    register_backend,
)
from sandbox.docker_backend import DockerBackend
from sandbox.errors import BackendUnavailable, SandboxError
from sandbox.local_backend import LocalBackend
from sandbox.proxy import ModelHandler, ModelProxy
from sandbox.session import Sandbox, run_in_sandbox
from sandbox.types import (
    DEFAULT_IMAGE,
    Evidence,
    ExecResult,
    FileHash,
    LimitHit,
    Limits,
    ModelCall,
    SandboxConfig,
)

__all__ = [
    "DEFAULT_IMAGE",
    "BackendUnavailable",
    "DockerBackend",
    "Evidence",
    "ExecResult",
    "FileHash",
    "LimitHit",
    "Limits",
    "LocalBackend",
    "ModelCall",
    "ModelHandler",
    "ModelProxy",
    "Sandbox",
    "SandboxBackend",
    "SandboxConfig",
    "SandboxError",
    "SandboxHandle",
    "backend_names",
    "get_backend",
    "register_backend",
    "run_in_sandbox",
]

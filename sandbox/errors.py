"""Errors the sandbox package raises; each says what went wrong and what to do."""

from __future__ import annotations


class SandboxError(RuntimeError):
    """A sandbox could not be set up, used or cleaned up."""


class BackendUnavailable(SandboxError):
    """The asked-for backend cannot run on this machine (no engine, no image, no GPU runtime)."""

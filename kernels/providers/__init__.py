"""Providers registered with litellm's custom-provider mechanism: ``local/`` and ``mock/``."""

from __future__ import annotations

from kernels.providers.handlers import LOCAL_PROVIDER, MOCK_PROVIDER, register_providers
from kernels.providers.mock import ScriptedError, mock_scripts

__all__ = ["LOCAL_PROVIDER", "MOCK_PROVIDER", "ScriptedError", "mock_scripts", "register_providers"]

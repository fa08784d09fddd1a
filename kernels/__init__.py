"""Everything that turns prompts into tokens: the gateway, budgets, cache, local and mock models.

Heavy imports (torch, transformers, litellm) happen on first use, not here.
"""

import os

# litellm fetches its price map from the internet at import unless told not to.
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")

from kernels.budget import Budget, BudgetExceeded, Cost
from kernels.errors import GatewayError, MissingAPIKey, ProviderError, UnknownModel
from kernels.gateway import Gateway
from kernels.providers import ScriptedError, mock_scripts
from kernels.types import CompletionRequest, CompletionResponse, Message, UsageRecord

__all__ = [
    "Budget",
    "BudgetExceeded",
    "CompletionRequest",
    "CompletionResponse",
    "Cost",
    "Gateway",
    "GatewayError",
    "Message",
    "MissingAPIKey",
    "ProviderError",
    "ScriptedError",
    "UnknownModel",
    "UsageRecord",
    "mock_scripts",
]

"""Everything that turns prompts into tokens: the gateway, budgets, cache, local and mock models.

Heavy imports (torch, transformers, litellm) happen on first use, not here.
"""

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

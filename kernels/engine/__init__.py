"""rxlab's own inference engine for local Llama-family GGUF models (CPU torch; CUDA + Triton).

Heavy imports (torch, transformers, triton) happen inside functions, not here.
"""

from kernels.engine.config import EngineConfig, ModelConfig
from kernels.engine.engine import Engine
from kernels.engine.kv_cache import EngineMemoryError
from kernels.engine.outputs import Request, RequestOutput, SampleOutput
from kernels.engine.sampling import SamplingParams

__all__ = [
    "Engine",
    "EngineConfig",
    "EngineMemoryError",
    "ModelConfig",
    "Request",
    "RequestOutput",
    "SampleOutput",
    "SamplingParams",
]

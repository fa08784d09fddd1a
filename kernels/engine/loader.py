"""Loading a local model for the engine: config, weights and tokenizer from one GGUF file."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kernels.engine.config import ModelConfig
from kernels.engine.gguf_file import GGUFFile
from kernels.engine.model import LlamaModel

if TYPE_CHECKING:
    from kernels.engine.cpu.quant import QuantWeights

log = logging.getLogger(__name__)

# Positions the rotary tables cover beyond the context length are never used; this caps them.
MAX_POSITIONS_CAP = 32768
CPU_FLOAT = ("cpu", "float32")


@dataclass
class LoadedModel:
    config: ModelConfig
    model: LlamaModel
    tokenizer: Any  # a transformers fast tokenizer with the model's chat template
    path: Path

    @property
    def cpu_kernels(self) -> bool:
        """Whether steps run the C++ CPU kernels of ``kernels.engine.cpu``."""
        return self.model.cpu_kernels


def load_tokenizer(path: Path) -> Any:
    """The GGUF's tokenizer and chat template as a transformers fast tokenizer.

    ``PreTrainedTokenizerFast`` reads only the tokenizer part of the file (AutoTokenizer would
    also parse the whole model config, which is several times slower).
    """
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast.from_pretrained(str(path.parent), gguf_file=path.name)


def load_model(
    path: Path, device: str = "cpu", dtype: str = "float32", cpu_kernels: bool = True
) -> LoadedModel:
    """Read ``path`` (a llama GGUF) onto ``device`` in ``dtype``.

    On CPU in float32 with ``cpu_kernels``, decode steps run the C++ kernels of
    ``kernels.engine.cpu`` on the matrices' GGUF blocks when those kernels build and run here;
    otherwise a warning says why and the plain torch path runs.
    """
    import torch

    from kernels.engine.weights import load_weights

    gguf = GGUFFile.open(path)
    config = ModelConfig.from_gguf(gguf)
    weights = load_weights(gguf, config, device, getattr(torch, dtype))
    quant = _quant_weights(gguf, config) if cpu_kernels and (device, dtype) == CPU_FLOAT else None
    positions = min(config.context_length, MAX_POSITIONS_CAP)
    model = LlamaModel(config, weights, positions, quant=quant)
    return LoadedModel(config, model, load_tokenizer(path), path)


def _quant_weights(gguf: GGUFFile, config: ModelConfig) -> QuantWeights | None:
    from kernels.engine.cpu.native import KernelUnavailable, library
    from kernels.engine.cpu.quant import load_quant_weights

    try:
        library()
        if config.head_dim % 8:
            raise ValueError(
                f"head dim {config.head_dim}: the attention kernel needs a multiple of 8"
            )
        return load_quant_weights(gguf, config)
    except (KernelUnavailable, ValueError) as exc:
        log.warning("the engine runs its plain torch CPU path: %s", exc)
        return None

"""Loading a local model for the engine: config, weights and tokenizer from one GGUF file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kernels.engine.config import ModelConfig
from kernels.engine.gguf_file import GGUFFile
from kernels.engine.model import LlamaModel

# Positions the rotary tables cover beyond the context length are never used; this caps them.
MAX_POSITIONS_CAP = 32768


@dataclass
class LoadedModel:
    config: ModelConfig
    model: LlamaModel
    tokenizer: Any  # a transformers fast tokenizer with the model's chat template
    path: Path


def load_tokenizer(path: Path) -> Any:
    """The GGUF's tokenizer and chat template as a transformers fast tokenizer.

    ``PreTrainedTokenizerFast`` reads only the tokenizer part of the file (AutoTokenizer would
    also parse the whole model config, which is several times slower).
    """
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast.from_pretrained(str(path.parent), gguf_file=path.name)


def load_model(path: Path, device: str = "cpu", dtype: str = "float32") -> LoadedModel:
    """Read ``path`` (a llama GGUF) onto ``device`` in ``dtype``."""
    import torch

    from kernels.engine.weights import load_weights

    gguf = GGUFFile.open(path)
    config = ModelConfig.from_gguf(gguf)
    weights = load_weights(gguf, config, device, getattr(torch, dtype))
    model = LlamaModel(config, weights, min(config.context_length, MAX_POSITIONS_CAP))
    return LoadedModel(config, model, load_tokenizer(path), path)

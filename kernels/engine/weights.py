"""Weights of a Llama model from a GGUF file, dequantized into torch tensors.

llama.cpp's converter permutes the rows of the Q and K projections so that rotary pairs sit next
to each other (``x[2i], x[2i+1]``); transformers' Llama rotates the halves (``x[i], x[i+D/2]``).
``unpermute_rope_rows`` undoes the permutation, as transformers' GGUF loader does, so this engine
and transformers compute the same function.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kernels.engine.config import ModelConfig
from kernels.engine.gguf_file import GGUFFile

if TYPE_CHECKING:
    import torch


@dataclass
class LayerWeights:
    attn_norm: torch.Tensor  # [d]
    wqkv: torch.Tensor  # [(Hq + 2 Hkv) D, d]: q, k, v projections stacked
    wo: torch.Tensor  # [d, Hq D]
    ffn_norm: torch.Tensor  # [d]
    w_gate_up: torch.Tensor  # [2 F, d]: gate then up
    w_down: torch.Tensor  # [d, F]


@dataclass
class ModelWeights:
    embed: torch.Tensor  # [V, d]
    layers: list[LayerWeights]
    norm: torch.Tensor  # [d]
    lm_head: torch.Tensor  # [V, d] (the embedding itself when tied)

    def nbytes(self) -> int:
        """Bytes a decode step reads once: every matrix and norm (the embedding rows are few)."""
        mats = [self.norm, self.lm_head]
        for layer in self.layers:
            mats += [
                layer.attn_norm,
                layer.wqkv,
                layer.wo,
                layer.ffn_norm,
                layer.w_gate_up,
                layer.w_down,
            ]
        return sum(t.numel() * t.element_size() for t in mats)


def unpermute_rope_rows(weight: Any, n_heads: int) -> Any:
    """Undo llama.cpp's interleaving of the rows of a Q or K projection (numpy or torch)."""
    rows = weight.shape[0]
    half = rows // n_heads // 2
    w = weight.reshape(n_heads, half, 2, *weight.shape[1:])
    return w.swapaxes(1, 2).reshape(weight.shape)


def load_weights(
    gguf: GGUFFile, config: ModelConfig, device: str, dtype: torch.dtype
) -> ModelWeights:
    """Dequantize every tensor of ``gguf`` and lay it out for the engine's forward pass."""
    import numpy as np
    import torch

    def tensor(array: Any) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(array)).to(device=device, dtype=dtype)

    def get(name: str) -> Any:
        return gguf.dequantize(name)

    layers = []
    for i in range(config.num_layers):
        p = f"blk.{i}."
        q = unpermute_rope_rows(get(p + "attn_q.weight"), config.num_heads)
        k = unpermute_rope_rows(get(p + "attn_k.weight"), config.num_kv_heads)
        v = get(p + "attn_v.weight")
        layers.append(
            LayerWeights(
                attn_norm=tensor(get(p + "attn_norm.weight")),
                wqkv=tensor(np.concatenate([q, k, v], axis=0)),
                wo=tensor(get(p + "attn_output.weight")),
                ffn_norm=tensor(get(p + "ffn_norm.weight")),
                w_gate_up=tensor(
                    np.concatenate([get(p + "ffn_gate.weight"), get(p + "ffn_up.weight")], axis=0)
                ),
                w_down=tensor(get(p + "ffn_down.weight")),
            )
        )
    embed = tensor(get("token_embd.weight"))
    lm_head = embed if config.tied_embeddings else tensor(get("output.weight"))
    return ModelWeights(
        embed=embed, layers=layers, norm=tensor(get("output_norm.weight")), lm_head=lm_head
    )

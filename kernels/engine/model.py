"""rxlab's Llama forward pass in torch: RMSNorm, rotary embeddings, grouped-query attention, SwiGLU.

``prefill`` runs one prompt and returns its last logits and its KV (the shared prefix).
``decode_step`` runs one token for each of N rows; where keys and values are written and how
attention reads them is the job of a ``DecodeAttention`` (plain torch here, Triton on CUDA).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Protocol

from kernels.engine.attention import decode_attention, prefill_attention
from kernels.engine.config import ModelConfig
from kernels.engine.kv_cache import PrefixKV, SuffixKV
from kernels.engine.linear import Linear
from kernels.engine.weights import ModelWeights

if TYPE_CHECKING:
    import torch


class DecodeAttention(Protocol):
    """Where a decode step's keys and values go and how its queries read the cache."""

    def write(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> None: ...

    def attend(self, layer: int, q: torch.Tensor) -> torch.Tensor: ...


class TorchDecodeAttention:
    """The reference: writes at ``suffix.length`` and runs ``attention.decode_attention``."""

    def __init__(
        self, prefixes: list[tuple[PrefixKV, int, int]], suffix: SuffixKV, scale: float
    ) -> None:
        self.prefixes, self.suffix, self.scale = prefixes, suffix, scale

    def write(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> None:
        t = self.suffix.length
        self.suffix.keys[layer][:, :, t] = k
        self.suffix.values[layer][:, :, t] = v

    def attend(self, layer: int, q: torch.Tensor) -> torch.Tensor:
        end = self.suffix.length + 1
        prefixes = [(p.keys[layer], p.values[layer], a, b) for p, a, b in self.prefixes]
        return decode_attention(
            q,
            prefixes,
            self.suffix.keys[layer][:, :, :end],
            self.suffix.values[layer][:, :, :end],
            self.scale,
        )


class LlamaModel:
    """The forward pass over ``ModelWeights``; holds the rotary tables, no per-call state."""

    def __init__(
        self, config: ModelConfig, weights: ModelWeights, max_positions: int, prepack: bool = True
    ) -> None:
        import torch

        self.config, self.weights = config, weights
        self.linears = [
            (Linear(w.wqkv, prepack), Linear(w.wo, prepack), Linear(w.w_gate_up, prepack),
             Linear(w.w_down, prepack))
            for w in weights.layers
        ]
        self.lm_head = Linear(weights.lm_head, prepack)
        self.device, self.dtype = weights.embed.device, weights.embed.dtype
        self.scale = 1.0 / math.sqrt(config.head_dim)
        d = config.head_dim
        inv_freq = 1.0 / (
            config.rope_theta ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d)
        )
        freqs = torch.arange(max_positions, dtype=torch.float32)[:, None] * inv_freq[None, :]
        emb = torch.cat((freqs, freqs), dim=-1)
        self.cos = emb.cos().to(device=self.device, dtype=self.dtype)  # [max_positions, D]
        self.sin = emb.sin().to(device=self.device, dtype=self.dtype)

    @property
    def max_positions(self) -> int:
        return int(self.cos.shape[0])

    # --- pieces ----------------------------------------------------------------------------
    def _norm(self, x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        import torch

        h = x.float()
        h = h * torch.rsqrt(h.pow(2).mean(-1, keepdim=True) + self.config.rms_eps)
        return weight * h.to(x.dtype)

    @staticmethod
    def _rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        """x [..., heads, D] with cos/sin [..., 1, D]: transformers' rotate-half rotary."""
        import torch

        half = x.shape[-1] // 2
        rotated = torch.cat((-x[..., half:], x[..., :half]), dim=-1)
        return x * cos + rotated * sin

    def rotary(self, positions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """cos/sin [T, 1, D] for ``positions`` [T]."""
        cos = self.cos.index_select(0, positions).unsqueeze(1)
        return cos, self.sin.index_select(0, positions).unsqueeze(1)

    def _qkv(
        self, x: torch.Tensor, layer: int, rotary: tuple[torch.Tensor, torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """x [T, d] -> q [T, Hq, D], k/v [T, Hkv, D] with rotary applied."""
        cfg = self.config
        h = self._norm(x, self.weights.layers[layer].attn_norm)
        qkv = self.linears[layer][0](h)
        nq, nkv = cfg.num_heads * cfg.head_dim, cfg.num_kv_heads * cfg.head_dim
        t = x.shape[0]
        q = qkv[:, :nq].view(t, cfg.num_heads, cfg.head_dim)
        k = qkv[:, nq : nq + nkv].view(t, cfg.num_kv_heads, cfg.head_dim)
        v = qkv[:, nq + nkv :].view(t, cfg.num_kv_heads, cfg.head_dim)
        cos, sin = rotary
        return self._rope(q, cos, sin), self._rope(k, cos, sin), v

    def _mlp_residual(self, x: torch.Tensor, attn: torch.Tensor, layer: int) -> torch.Tensor:
        import torch.nn.functional as F

        _, wo, w_gate_up, w_down = self.linears[layer]
        x = x + wo(attn)
        gate_up = w_gate_up(self._norm(x, self.weights.layers[layer].ffn_norm))
        f = self.config.intermediate_size
        return x + w_down(F.silu(gate_up[:, :f]) * gate_up[:, f:])

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """Final norm and LM head: x [N, d] -> float32 logits [N, V]."""
        return self.lm_head(self._norm(x, self.weights.norm)).float()

    # --- passes ------------------------------------------------------------------------------
    def prefill(self, ids: list[int]) -> tuple[torch.Tensor, PrefixKV]:
        """Run one prompt; return its last position's logits [V] and its KV."""
        import torch

        if not ids:
            raise ValueError("the prompt is empty; the engine needs at least one token")
        if len(ids) > self.max_positions:
            raise ValueError(f"the prompt has {len(ids)} tokens; at most {self.max_positions}")
        tokens = torch.tensor(ids, device=self.device)
        positions = torch.arange(len(ids), device=self.device)
        x = self.weights.embed.index_select(0, tokens)
        rotary = self.rotary(positions)
        keys, values = [], []
        for layer in range(self.config.num_layers):
            q, k, v = self._qkv(x, layer, rotary)
            k, v = k.transpose(0, 1).contiguous(), v.transpose(0, 1).contiguous()
            keys.append(k)
            values.append(v)
            attn = prefill_attention(q.transpose(0, 1), k, v)
            x = self._mlp_residual(x, attn, layer)
        return self.logits(x[-1:])[0], PrefixKV(keys, values)

    def decode_step(
        self, tokens: torch.Tensor, positions: torch.Tensor, attention: DecodeAttention
    ) -> torch.Tensor:
        """One new token for each of N rows: tokens/positions [N] -> float32 logits [N, V]."""
        x = self.weights.embed.index_select(0, tokens)
        rotary = self.rotary(positions)
        for layer in range(self.config.num_layers):
            q, k, v = self._qkv(x, layer, rotary)
            attention.write(layer, k, v)
            x = self._mlp_residual(x, attention.attend(layer, q), layer)
        return self.logits(x)

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
from kernels.engine.cpu import ops as cpu_ops
from kernels.engine.kv_cache import PrefixKV, SuffixKV
from kernels.engine.linear import Linear
from kernels.engine.weights import ModelWeights

if TYPE_CHECKING:
    import torch

    from kernels.engine.cpu.quant import QuantWeights


class DecodeAttention(Protocol):
    """Where a decode step's keys and values go and how its queries read the cache."""

    def write(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> None: ...

    def attend(self, layer: int, q: torch.Tensor) -> torch.Tensor: ...


class TorchDecodeAttention:
    """The reference: writes at ``suffix.length`` and runs ``attention.decode_attention``."""

    def __init__(self, prefixes: list[tuple[PrefixKV, int, int]], suffix: SuffixKV) -> None:
        self.prefixes, self.suffix = prefixes, suffix

    def write(self, layer: int, k: torch.Tensor, v: torch.Tensor) -> None:
        self.suffix.write(layer, k, v)

    def attend(self, layer: int, q: torch.Tensor) -> torch.Tensor:
        end = self.suffix.length + 1
        prefixes = [(p.keys[layer], p.values[layer], a, b) for p, a, b in self.prefixes]
        return decode_attention(
            q,
            prefixes,
            self.suffix.keys[layer][:, :, :end],
            self.suffix.values[layer][:, :, :end],
        )


class LlamaModel:
    """The forward pass over ``ModelWeights``; holds the rotary tables, no per-call state.

    The attention scale 1/sqrt(D) is folded into the query rows of the QKV projection (exact for
    D = 64, a power of four), so attention here runs with scale 1. Given ``quant`` (CPU,
    float32), the model runs on the C++ kernels of ``kernels.engine.cpu``: decode steps multiply
    the GGUF's own blocks, and RMSNorm, rotary, SwiGLU and decode attention are kernel calls.
    """

    def __init__(
        self,
        config: ModelConfig,
        weights: ModelWeights,
        max_positions: int,
        prepack: bool = True,
        quant: QuantWeights | None = None,
    ) -> None:
        import torch

        self.config, self.weights, self.quant = config, weights, quant
        self.device, self.dtype = weights.embed.device, weights.embed.dtype
        nq = config.num_heads * config.head_dim
        scale = 1 / math.sqrt(config.head_dim)
        self.linears = []
        for i, w in enumerate(weights.layers):
            qkv, wo, gate_up, down = quant.layers[i] if quant else (None, None, None, None)
            self.linears.append(
                (
                    Linear(
                        torch.cat([w.wqkv[:nq] * scale, w.wqkv[nq:]]),
                        prepack,
                        qkv.scale_rows(nq, scale) if qkv else None,
                    ),
                    Linear(w.wo, prepack, wo),
                    Linear(w.w_gate_up, prepack, gate_up),
                    Linear(w.w_down, prepack, down),
                )
            )
        self.lm_head = Linear(weights.lm_head, prepack, quant.lm_head if quant else None)
        d = config.head_dim
        inv_freq = 1.0 / (
            config.rope_theta ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d)
        )
        freqs = torch.arange(max_positions, dtype=torch.float32)[:, None] * inv_freq[None, :]
        # rotate-half rotary as x * cos + roll(x, D/2) * sin_signed
        self.cos = torch.cat((freqs, freqs), -1).cos().to(device=self.device, dtype=self.dtype)
        self.sin = torch.cat((-freqs, freqs), -1).sin().to(device=self.device, dtype=self.dtype)

    @property
    def cpu_kernels(self) -> bool:
        return self.quant is not None

    @property
    def max_positions(self) -> int:
        return int(self.cos.shape[0])

    # --- pieces ----------------------------------------------------------------------------
    def _norm(self, x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        import torch.nn.functional as F

        if self.cpu_kernels and x.dim() == 2:
            return cpu_ops.rms_norm(x, weight, self.config.rms_eps)
        return F.rms_norm(x, (x.shape[-1],), weight, self.config.rms_eps)

    def rotary(self, positions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """cos/sin [T, 1, D] for ``positions`` [T]."""
        cos = self.cos.index_select(0, positions).unsqueeze(1)
        return cos, self.sin.index_select(0, positions).unsqueeze(1)

    def _qkv(
        self, x: torch.Tensor, layer: int, rotary: tuple[torch.Tensor, torch.Tensor]
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """x [T, d] -> q [T, Hq, D] (scaled), k/v [T, Hkv, D], rotary applied to q and k."""
        import torch

        cfg = self.config
        qkv = self.linears[layer][0](self._norm(x, self.weights.layers[layer].attn_norm))
        heads, d, t = cfg.num_heads + cfg.num_kv_heads, cfg.head_dim, x.shape[0]
        cos, sin = rotary
        if self.cpu_kernels:
            cpu_ops.rotary_(qkv, heads, d, cos.squeeze(1), sin.squeeze(1))
            qk = qkv[:, : heads * d].view(t, heads, d)
        else:
            qk = qkv[:, : heads * d].view(t, heads, d)
            qk = torch.addcmul(qk * cos, qk.roll(d // 2, -1), sin)
        v = qkv[:, heads * d :].view(t, cfg.num_kv_heads, d)
        return qk[:, : cfg.num_heads], qk[:, cfg.num_heads :], v

    def _mlp_residual(self, x: torch.Tensor, attn: torch.Tensor, layer: int) -> torch.Tensor:
        import torch.nn.functional as F

        _, wo, w_gate_up, w_down = self.linears[layer]
        x = x + wo(attn)
        gate_up = w_gate_up(self._norm(x, self.weights.layers[layer].ffn_norm))
        if self.cpu_kernels:
            return x.add_(w_down(cpu_ops.silu_mul(gate_up)))
        f = self.config.intermediate_size
        return x.add_(w_down(F.silu(gate_up[:, :f]) * gate_up[:, f:]))

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

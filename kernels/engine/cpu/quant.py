"""Decode-step matrix products on the GGUF's own quantized blocks.

On CPU a decode step is bound by the bytes of weight it reads. SmolLM2's GGUF stores every layer
matrix in Q4_1 (0.625 bytes a weight) and the embedding in Q8_0 (1.06); dequantized to float32
they are 4 bytes. ``QuantMatrix`` keeps a matrix in its blocks and multiplies it with the C++
kernel (``csrc/cpu_kernels.cpp``), which decodes each block in registers exactly as gguf's
``dequantize`` does: the same weights as the float32 path, summed in another order. The prompt
(hundreds of rows, compute-bound) stays on oneDNN in float32.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kernels.engine.cpu.native import library
from kernels.engine.gguf_file import GGUFFile

if TYPE_CHECKING:
    import numpy as np
    import torch

    from kernels.engine.config import ModelConfig

BLOCK = 32
# GGML type ids and block sizes in bytes (gguf.constants.GGML_QUANT_SIZES)
Q4_1, Q8_0 = 3, 8
BLOCK_BYTES = {Q4_1: 20, Q8_0: 34}
# Up to this many rows the quantized kernel beats oneDNN on float32 weights streamed from memory;
# above it a product is compute-bound and oneDNN's packed GEMM wins. Measured end to end, 64
# tokens: 16 samples 232 tok/s with the kernel vs 220 without; 24 samples 232 vs 267.
MAX_ROWS = 16


@dataclass(frozen=True)
class QuantMatrix:
    """W [rows, cols] in GGUF blocks of 32 along ``cols``: ``y = x @ W.T`` via the C++ kernel."""

    ggml_type: int
    scale: torch.Tensor  # [rows, cols / 32] float32
    min: torch.Tensor | None  # [rows, cols / 32] float32 (Q4_1), None (Q8_0)
    qs: torch.Tensor  # Q4_1: uint8 [rows, cols / 32, 16]; Q8_0: int8 [rows, cols / 32, 32]

    @property
    def rows(self) -> int:
        return int(self.scale.shape[0])

    @property
    def cols(self) -> int:
        return int(self.scale.shape[1]) * BLOCK

    def nbytes(self) -> int:
        parts = [self.scale, self.qs] + ([self.min] if self.min is not None else [])
        return sum(t.numel() * t.element_size() for t in parts)

    @classmethod
    def from_blocks(cls, ggml_type: int, blocks: np.ndarray) -> QuantMatrix:
        """From raw GGUF blocks, uint8 [rows, cols / 32, block bytes]."""
        import numpy as np
        import torch

        def f16(lo: int) -> torch.Tensor:
            half = np.ascontiguousarray(blocks[:, :, lo : lo + 2]).view(np.float16)[..., 0]
            return torch.from_numpy(half.astype(np.float32))

        def packed(lo: int, dtype: Any) -> torch.Tensor:
            return torch.from_numpy(np.ascontiguousarray(blocks[:, :, lo:]).view(dtype))

        if ggml_type == Q4_1:
            return cls(Q4_1, f16(0), f16(2), packed(4, np.uint8))
        if ggml_type == Q8_0:
            return cls(Q8_0, f16(0), None, packed(2, np.int8))
        raise ValueError(f"GGML type {ggml_type} has no quantized kernel (Q4_1 and Q8_0 do)")

    def scale_rows(self, stop: int, factor: float) -> QuantMatrix:
        """The matrix with rows [0, stop) multiplied by ``factor`` (exact for a power of two)."""
        import torch

        def scaled(t: torch.Tensor | None) -> torch.Tensor | None:
            return None if t is None else torch.cat([t[:stop] * factor, t[stop:]])

        return QuantMatrix(self.ggml_type, scaled(self.scale), scaled(self.min), self.qs)  # type: ignore[arg-type]

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        """``x [M, cols]`` float32 on CPU -> ``[M, rows]``."""
        import torch

        if x.dim() != 2 or x.shape[1] != self.cols or x.dtype != torch.float32:
            raise ValueError(f"expected float32 [M, {self.cols}], got {tuple(x.shape)} {x.dtype}")
        x = x.contiguous()
        y = torch.empty(x.shape[0], self.rows, dtype=torch.float32)
        lib = library()
        if self.min is not None:
            lib.rx_q4_1_matmul(
                x.data_ptr(), x.shape[0], self.cols, self.scale.data_ptr(), self.min.data_ptr(),
                self.qs.data_ptr(), self.rows, y.data_ptr(), torch.get_num_threads(),
            )  # fmt: skip
        else:
            lib.rx_q8_0_matmul(
                x.data_ptr(), x.shape[0], self.cols, self.scale.data_ptr(), self.qs.data_ptr(),
                self.rows, y.data_ptr(), torch.get_num_threads(),
            )  # fmt: skip
        return y


@dataclass
class QuantWeights:
    """The decode-step matrices of a model in GGUF blocks, laid out like ``ModelWeights``."""

    layers: list[tuple[QuantMatrix, QuantMatrix, QuantMatrix, QuantMatrix]]  # qkv, o, gate_up, down
    lm_head: QuantMatrix

    def nbytes(self) -> int:
        mats = [self.lm_head] + [m for layer in self.layers for m in layer]
        return sum(m.nbytes() for m in mats)


def load_quant_weights(gguf: GGUFFile, config: ModelConfig) -> QuantWeights:
    """Every matrix of ``gguf`` in its blocks; raises ``ValueError`` for another block type."""
    import numpy as np

    from kernels.engine.weights import unpermute_rope_rows

    def blocks(name: str) -> tuple[int, np.ndarray]:
        info = gguf.tensor_info(name)
        if info.ggml_type not in BLOCK_BYTES:
            raise ValueError(f"{name} is GGML type {info.ggml_type}; the kernel reads Q4_1, Q8_0")
        return info.ggml_type, gguf.raw_blocks(name, BLOCK, BLOCK_BYTES[info.ggml_type])

    def stacked(*parts: tuple[int, np.ndarray]) -> QuantMatrix:
        kinds = {kind for kind, _ in parts}
        if len(kinds) != 1:
            raise ValueError(f"stacked matrices mix block types {sorted(kinds)}")
        return QuantMatrix.from_blocks(kinds.pop(), np.concatenate([b for _, b in parts]))

    layers = []
    for i in range(config.num_layers):
        p = f"blk.{i}."
        q_kind, q = blocks(p + "attn_q.weight")
        k_kind, k = blocks(p + "attn_k.weight")
        qkv = stacked(
            (q_kind, unpermute_rope_rows(q, config.num_heads)),
            (k_kind, unpermute_rope_rows(k, config.num_kv_heads)),
            blocks(p + "attn_v.weight"),
        )
        layers.append(
            (
                qkv,
                stacked(blocks(p + "attn_output.weight")),
                stacked(blocks(p + "ffn_gate.weight"), blocks(p + "ffn_up.weight")),
                stacked(blocks(p + "ffn_down.weight")),
            )
        )
    head = "token_embd.weight" if config.tied_embeddings else "output.weight"
    return QuantWeights(layers, stacked(blocks(head)))

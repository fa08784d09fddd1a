"""Matrix products with a fixed weight: ``y = x @ W.T``, prepacked for oneDNN on CPU.

A decode step multiplies a few rows by every weight matrix of the model. On CPU, oneDNN's
linear with a weight reordered once ahead of time runs these small-M products up to twice as
fast as ``torch.matmul`` (which repacks the weight on every call). Where oneDNN is missing, or
on a GPU, it is a plain ``torch.nn.functional.linear``. Given the same matrix in its GGUF
blocks (``cpu.quant.QuantMatrix``), products of up to ``cpu.quant.MAX_ROWS`` rows run on those
instead: they read a sixth of the bytes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kernels.engine.cpu.quant import MAX_ROWS

if TYPE_CHECKING:
    import torch

    from kernels.engine.cpu.quant import QuantMatrix

# The row count oneDNN lays the packed weight out for; decode batches are 1 to a few hundred.
PACK_BATCH_HINT = 64


class Linear:
    """``x [M, in] -> [M, out]`` for a weight [out, in]."""

    def __init__(
        self, weight: torch.Tensor, prepack: bool = True, quant: QuantMatrix | None = None
    ) -> None:
        import torch

        if quant is not None and (quant.rows, quant.cols) != tuple(weight.shape):
            raise ValueError(
                f"quantized {quant.rows}x{quant.cols} for weight {tuple(weight.shape)}"
            )
        self.weight, self.quant = weight, quant
        self.packed: torch.Tensor | None = None
        if prepack and _can_prepack(weight):
            try:
                self.packed = torch.ops.mkldnn._reorder_linear_weight(weight, PACK_BATCH_HINT)
                self(torch.zeros(1, weight.shape[1], dtype=weight.dtype))  # fails early, not later
            except (RuntimeError, AttributeError):
                self.packed = None

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        import torch
        import torch.nn.functional as F

        if self.quant is not None and x.shape[0] <= MAX_ROWS:
            return self.quant(x)
        if self.packed is None:
            return F.linear(x, self.weight)
        return torch.ops.mkldnn._linear_pointwise(x, self.packed, None, "none", [], "")

    @property
    def out_features(self) -> int:
        return int(self.weight.shape[0])


def _can_prepack(weight: torch.Tensor) -> bool:
    import torch

    return (
        weight.device.type == "cpu"
        and weight.dtype == torch.float32
        and torch.backends.mkldnn.is_available()
        and hasattr(torch.ops.mkldnn, "_reorder_linear_weight")
    )

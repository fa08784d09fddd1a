"""Reading a GGUF file: its metadata, its tensor table, and tensors dequantized by ``gguf``.

``gguf.GGUFReader`` parses every metadata array eagerly (the 49k-token vocabulary and its merges
take seconds), so the header is read here with ``struct`` and only the tensor data goes through
``gguf.quants.dequantize``.
"""

from __future__ import annotations

import mmap
import struct
from dataclasses import dataclass
from math import prod
from pathlib import Path
from typing import Any

GGUF_MAGIC = b"GGUF"
GGUF_VERSIONS = (2, 3)
DEFAULT_ALIGNMENT = 32
# metadata value types of fixed width: struct format by GGUF type id
_SCALARS = {
    0: "<B",
    1: "<b",
    2: "<H",
    3: "<h",
    4: "<I",
    5: "<i",
    6: "<f",
    7: "<?",
    10: "<Q",
    11: "<q",
    12: "<d",
}
_STRING, _ARRAY = 8, 9


@dataclass(frozen=True)
class TensorInfo:
    name: str
    shape: tuple[int, ...]  # torch order: slowest dimension first
    ggml_type: int
    offset: int  # from the start of the data section


@dataclass(frozen=True)
class GGUFFile:
    """A GGUF file's metadata and tensor table; string arrays are kept only as counts."""

    path: Path
    metadata: dict[str, Any]
    tensors: dict[str, TensorInfo]
    data_start: int

    @classmethod
    def open(cls, path: Path) -> GGUFFile:
        with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as m:
            return cls._parse(path, m)

    @classmethod
    def _parse(cls, path: Path, blob: Any) -> GGUFFile:
        if blob[:4] != GGUF_MAGIC:
            raise ValueError(f"{path} is not a GGUF file (its first bytes are {blob[:4]!r})")
        version, n_tensors, n_kv = struct.unpack_from("<IQQ", blob, 4)
        if version not in GGUF_VERSIONS:
            raise ValueError(f"{path} is GGUF version {version}; expected one of {GGUF_VERSIONS}")
        pos, metadata = 24, {}
        for _ in range(n_kv):
            key, pos = _string(blob, pos)
            (kind,) = struct.unpack_from("<I", blob, pos)
            metadata[key], pos = _value(blob, pos + 4, kind)
        tensors = {}
        for _ in range(n_tensors):
            name, pos = _string(blob, pos)
            (n_dims,) = struct.unpack_from("<I", blob, pos)
            dims = struct.unpack_from(f"<{n_dims}Q", blob, pos + 4)
            ggml_type, offset = struct.unpack_from("<IQ", blob, pos + 4 + 8 * n_dims)
            pos += 4 + 8 * n_dims + 12
            tensors[name] = TensorInfo(name, tuple(reversed(dims)), ggml_type, offset)
        align = int(metadata.get("general.alignment", DEFAULT_ALIGNMENT))
        return cls(path, metadata, tensors, (pos + align - 1) // align * align)

    def arch_value(self, key: str, default: Any = None) -> Any:
        arch = self.metadata["general.architecture"]
        return self.metadata.get(f"{arch}.{key}", default)

    def dequantize(self, name: str) -> Any:
        """Tensor ``name`` as a float32 numpy array in torch order."""
        import numpy as np
        from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType
        from gguf.quants import dequantize

        info = self.tensor_info(name)
        qtype = GGMLQuantizationType(info.ggml_type)
        raw = self.raw_blocks(name, *GGML_QUANT_SIZES[qtype])
        if qtype == GGMLQuantizationType.F32:
            return np.array(raw.view(np.float32).reshape(info.shape))
        data = dequantize(raw.reshape(raw.shape[0], -1), qtype)
        return np.ascontiguousarray(data.reshape(info.shape), dtype=np.float32)

    def raw_blocks(self, name: str, block: int, block_bytes: int) -> Any:
        """Tensor ``name``'s bytes as read-only uint8 [rows, cols / block, block_bytes]."""
        import numpy as np

        info = self.tensor_info(name)
        rows, cols = prod(info.shape[:-1]), info.shape[-1]
        if cols % block:
            raise ValueError(f"{name} has {cols} columns, not a multiple of its block {block}")
        raw = np.memmap(
            self.path,
            dtype=np.uint8,
            mode="r",
            offset=self.data_start + info.offset,
            shape=(rows * cols // block * block_bytes,),
        )
        return raw.reshape(rows, cols // block, block_bytes)

    def tensor_info(self, name: str) -> TensorInfo:
        if name not in self.tensors:
            raise KeyError(f"{self.path.name} has no tensor {name!r}")
        return self.tensors[name]


def _string(blob: Any, pos: int) -> tuple[str, int]:
    (length,) = struct.unpack_from("<Q", blob, pos)
    start = pos + 8
    return blob[start : start + length].decode("utf-8", errors="replace"), start + length


def _value(blob: Any, pos: int, kind: int) -> tuple[Any, int]:
    if kind in _SCALARS:
        fmt = _SCALARS[kind]
        return struct.unpack_from(fmt, blob, pos)[0], pos + struct.calcsize(fmt)
    if kind == _STRING:
        return _string(blob, pos)
    if kind != _ARRAY:
        raise ValueError(f"unknown GGUF metadata value type {kind}")
    item_kind, count = struct.unpack_from("<IQ", blob, pos)
    pos += 12
    if item_kind in _SCALARS:
        fmt = _SCALARS[item_kind]
        width = struct.calcsize(fmt)
        values = struct.unpack_from(f"<{count}{fmt[1]}", blob, pos)
        return list(values), pos + width * count
    if item_kind != _STRING:
        raise ValueError(f"GGUF arrays of value type {item_kind} are not supported")
    for _ in range(count):  # walk the strings; callers that need them use the tokenizer
        (length,) = struct.unpack_from("<Q", blob, pos)
        pos += 8 + length
    return count, pos

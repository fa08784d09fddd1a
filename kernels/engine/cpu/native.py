"""Building and loading the engine's C++ CPU kernels (``csrc/cpu_kernels.cpp``) with ctypes.

The library is compiled on first use with the system's C++ compiler (``$CXX``, else ``g++``) and
cached by the hash of its source, flags and compiler (``$RXLAB_KERNEL_CACHE``, else
``~/.cache/rxlab/kernels``): a second process loads it in milliseconds. It links OpenMP by the
same soname as the runtime torch ships, so once torch is imported both share one thread pool.
Without a compiler, or on a CPU without AVX2 and FMA, ``library()`` raises ``KernelUnavailable``
and the engine runs its plain torch path (``kernel_status()`` says why).
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

SOURCE = Path(__file__).with_name("csrc") / "cpu_kernels.cpp"
CACHE_ENV = "RXLAB_KERNEL_CACHE"
COMPILER_ENV = "CXX"
FLAGS = ("-O3", "-mavx2", "-mfma", "-ffp-contract=off", "-fopenmp", "-shared", "-fPIC")
_I64, _PTR, _F32, _INT = ctypes.c_int64, ctypes.c_void_p, ctypes.c_float, ctypes.c_int
# the last argument of the parallel kernels is the thread count (torch.get_num_threads())
SIGNATURES = {
    "rx_q4_1_matmul": [_PTR, _I64, _I64, _PTR, _PTR, _PTR, _I64, _PTR, _INT],
    "rx_q8_0_matmul": [_PTR, _I64, _I64, _PTR, _PTR, _I64, _PTR, _INT],
    # q, rows, Hq, Hkv, D, prefix k, prefix v, prefix lengths, row groups, suffix k, suffix v,
    # length, capacity, out, threads
    "rx_decode_attention": [_PTR, *[_I64] * 4, *[_PTR] * 6, _I64, _I64, _PTR, _INT],
    "rx_rms_norm": [_PTR, _I64, _I64, _PTR, _F32, _PTR],
    "rx_rotary": [_PTR, _I64, _I64, _I64, _I64, _PTR, _PTR],
    "rx_silu_mul": [_PTR, _I64, _I64, _PTR],
}


class KernelUnavailable(RuntimeError):
    """The C++ CPU kernels cannot run here (no compiler, no AVX2/FMA, or the build failed)."""


def kernel_status() -> str:
    """``"ready"``, or why the C++ CPU kernels cannot run here."""
    try:
        library()
    except KernelUnavailable as exc:
        return str(exc)
    return "ready"


@functools.lru_cache(maxsize=1)
def library() -> Any:
    """The compiled kernels for this process (``load_library`` with the default compiler)."""
    return load_library(os.environ.get(COMPILER_ENV) or shutil.which("g++") or shutil.which("c++"))


def load_library(compiler: str | None) -> Any:
    """Build (or find in the cache) and load the kernels; their argument types set."""
    import torch  # noqa: F401  (loads torch's OpenMP runtime, which the kernels then share)

    if compiler is None:
        raise KernelUnavailable("no C++ compiler (g++) on PATH to build the CPU kernels")
    path = _build(compiler)
    lib = ctypes.CDLL(str(path))
    if not lib.rx_cpu_supported():
        raise KernelUnavailable("this CPU lacks AVX2/FMA, which the CPU kernels need")
    for name, argtypes in SIGNATURES.items():
        function = getattr(lib, name)
        function.argtypes, function.restype = argtypes, None
    return lib


def _build(compiler: str) -> Path:
    source = SOURCE.read_bytes()
    try:
        version = subprocess.run(
            [compiler, "--version"], capture_output=True, text=True, check=False
        ).stdout
    except OSError as exc:
        raise KernelUnavailable(f"cannot run the C++ compiler {compiler!r}: {exc}") from exc
    key = hashlib.sha256(source + version.encode() + " ".join(FLAGS).encode()).hexdigest()[:16]
    cache = Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "rxlab" / "kernels")
    target = cache / f"cpu_kernels-{key}.so"
    if target.exists():
        return target
    try:
        cache.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=cache) as tmp:
            built = Path(tmp) / target.name
            result = subprocess.run(
                [compiler, *FLAGS, str(SOURCE), "-o", str(built)],
                capture_output=True,
                text=True,
                check=False,
            )
            if result.returncode != 0:
                raise KernelUnavailable(
                    f"building the CPU kernels failed: {result.stderr.strip()[-2000:]}"
                )
            os.replace(built, target)  # atomic: a concurrent build of the same key is harmless
    except OSError as exc:
        raise KernelUnavailable(
            f"cannot write the kernel cache {cache} ({exc}); point {CACHE_ENV} at a writable folder"
        ) from exc
    return target

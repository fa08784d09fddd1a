"""The CPU fast path: C++ kernels (AVX2) for the decode step's matrix products and attention.

``native`` builds and loads them, ``quant`` multiplies the GGUF's quantized blocks, ``attention``
runs a decode step's attention. The engine uses them on CPU in float32 when ``native.library()``
loads, and its plain torch path otherwise; tests compare the two.
"""

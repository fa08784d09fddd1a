"""The GPU path: Triton attention and sampling kernels and a CUDA-graph step runner.

Nothing here is imported unless the engine runs with ``device="cuda"``; these modules import
triton at the top.
"""

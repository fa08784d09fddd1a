"""The engine: n samples of each prompt, prompts batched together, the prompt computed once.

For each request the prompt is run once (prefill) and its KV becomes a shared prefix; its n
samples then decode together, every step one batched forward pass over all rows of all requests,
with attention split into the shared-prefix part and each sample's own part (Hydragen).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from kernels.engine.config import EngineConfig, default_memory_limit
from kernels.engine.kv_cache import PrefixKV, check_memory
from kernels.engine.loader import LoadedModel, load_model
from kernels.engine.outputs import Request, RequestOutput, SampleState
from kernels.engine.runner import EagerRunner, StepRunner
from kernels.engine.sampling import SamplingParams, make_generator, sample, sample_many

if TYPE_CHECKING:
    import torch

# The eager runner drops finished rows once this share of the batch has finished.
DROP_ROWS_FRACTION = 0.25


@dataclass
class _Group:
    """One request during generation."""

    prompt_len: int
    params: SamplingParams
    generator: torch.Generator
    prefix: PrefixKV
    samples: list[SampleState]
    copies: int  # outputs to return: n (greedy requests run one sample and copy it)


class Engine:
    """Samples completions of prompts with rxlab's own Llama forward pass."""

    def __init__(self, loaded: LoadedModel, config: EngineConfig | None = None) -> None:
        self.loaded = loaded
        self.config = config or EngineConfig(device=loaded.model.device.type)  # type: ignore[arg-type]
        self.model, self.tokenizer = loaded.model, loaded.tokenizer
        self.memory_limit = self.config.memory_limit_bytes or default_memory_limit(
            self.config.device
        )
        self._lock = threading.Lock()

    @classmethod
    def load(cls, name: str = "smollm2-135m", config: EngineConfig | None = None) -> Engine:
        """Load local model ``name`` (see ``kernels.local_model.LOCAL_MODELS``)."""
        from kernels.local_model import gguf_path

        config = config or EngineConfig()
        if config.device == "cpu" and config.num_threads:
            import torch

            torch.set_num_threads(config.num_threads)
        loaded = load_model(
            gguf_path(name), config.device, config.torch_dtype_name, config.cpu_kernels
        )
        return cls(loaded, config)

    def describe(self) -> str:
        """Where and how decode steps run, in words (for logs, ``serve-model`` and benchmarks)."""
        if self.config.device == "cuda":
            parts = [str(self.model.dtype).removeprefix("torch.")]
            parts += ["Triton kernels"] if self.config.triton else ["plain torch"]
            parts += ["CUDA graphs"] if self.config.triton and self.config.cuda_graphs else []
            return f"cuda ({', '.join(parts)})"
        if self.loaded.cpu_kernels:
            return "cpu (C++ kernels: products on the GGUF's Q4_1/Q8_0 blocks, fused attention)"
        if not self.config.cpu_kernels:
            return "cpu (plain torch: C++ kernels turned off)"
        from kernels.engine.cpu.native import kernel_status

        return f"cpu (plain torch: {kernel_status()})"

    # --- prompts ---------------------------------------------------------------------------
    def encode_chat(self, messages: list[dict[str, str]]) -> list[int]:
        """Token ids of ``messages`` under the model's chat template, ready for the reply."""
        ids: Any = self.tokenizer.apply_chat_template(
            messages, add_generation_prompt=True, tokenize=True
        )
        if isinstance(ids, dict) or hasattr(ids, "input_ids"):
            ids = ids["input_ids"]
        return [int(i) for i in ids]

    def chat(self, messages: list[dict[str, str]], params: SamplingParams) -> RequestOutput:
        return self.generate(self.encode_chat(messages), params)

    # --- generation --------------------------------------------------------------------------
    def generate(self, prompt_ids: list[int], params: SamplingParams) -> RequestOutput:
        return self.generate_batch([Request(list(prompt_ids), params)])[0]

    def generate_batch(self, requests: list[Request]) -> list[RequestOutput]:
        """Generate every request's samples in one batch; outputs in the requests' order."""
        import torch

        if not requests:
            return []
        requests = [self._fit_context(r) for r in requests]
        rows = sum(1 if r.params.greedy else r.params.n for r in requests)
        new_tokens = max(r.params.max_tokens for r in requests)
        itemsize = self.model.dtype.itemsize
        lengths = [len(r.prompt_ids) for r in requests]
        check_memory(self.model.config, lengths, rows, new_tokens, itemsize, self.memory_limit)
        with self._lock, torch.inference_mode():
            groups = [self._start(r) for r in requests]
            self._decode(groups)
        return [self._output(g) for g in groups]

    def _fit_context(self, request: Request) -> Request:
        room = self.model.max_positions - len(request.prompt_ids)
        if room < 1:
            raise ValueError(
                f"the prompt has {len(request.prompt_ids)} tokens; the model's context holds "
                f"{self.model.max_positions}: shorten the prompt"
            )
        if request.params.max_tokens <= room:
            return request
        return Request(request.prompt_ids, replace(request.params, max_tokens=room))

    def _start(self, request: Request) -> _Group:
        """Prefill one prompt and draw every sample's first token from its logits."""
        params = request.params
        logits, prefix = self.model.prefill(request.prompt_ids)
        rows = 1 if params.greedy else params.n
        generator = make_generator(params.seed, self.config.device)
        eos = self.model.config.eos_token_id
        group = _Group(
            prompt_len=len(request.prompt_ids),
            params=params,
            generator=generator,
            prefix=prefix,
            samples=[SampleState(self.tokenizer, params, eos) for _ in range(rows)],
            copies=params.n,
        )
        tokens, logprobs = sample_many(logits, params, rows, generator)
        for state, token, logprob in zip(
            group.samples, tokens.tolist(), logprobs.tolist(), strict=True
        ):
            state.add(int(token), float(logprob))
        return group

    def _sample(self, group: _Group, live: list[int], logits: torch.Tensor) -> None:
        """Draw a token for samples ``live`` of ``group`` from their logits rows."""
        use_triton = self.config.device == "cuda" and self.config.triton
        tokens, logprobs = sample(logits, group.params, group.generator, use_triton)
        for i, token, logprob in zip(live, tokens.tolist(), logprobs.tolist(), strict=True):
            group.samples[i].add(int(token), float(logprob))

    def _decode(self, groups: list[_Group]) -> None:
        """Decode all unfinished samples together until each has finished."""
        import torch

        rows = [
            (g, s)
            for g, grp in enumerate(groups)
            for s, st in enumerate(grp.samples)
            if st.finish is None
        ]
        if not rows:
            return
        capacity = max(grp.params.max_tokens for grp in groups) - 1
        runner = self._runner([grp.prefix for grp in groups], [g for g, _ in rows], capacity)
        device = self.model.device
        while True:
            last = [groups[g].samples[s].tokens[-1] for g, s in rows]
            pos = [groups[g].prompt_len + runner.length for g, _ in rows]
            logits = runner.step(
                torch.tensor(last, device=device), torch.tensor(pos, device=device)
            )
            self._sample_rows(groups, rows, logits)
            live = [i for i, (g, s) in enumerate(rows) if groups[g].samples[s].finish is None]
            if not live:
                return
            finished = len(rows) - len(live)
            if runner.can_drop_rows and finished >= max(1, len(rows) * DROP_ROWS_FRACTION):
                rows = [rows[i] for i in live]
                runner.keep_rows(live, [g for g, _ in rows])

    def _sample_rows(
        self, groups: list[_Group], rows: list[tuple[int, int]], logits: torch.Tensor
    ) -> None:
        """Sample each request's live rows of ``logits`` with the request's own generator."""
        start = 0
        while start < len(rows):
            g = rows[start][0]
            end = start
            while end < len(rows) and rows[end][0] == g:
                end += 1
            live = [i for i in range(start, end) if groups[g].samples[rows[i][1]].finish is None]
            if live:
                block = logits[start:end] if len(live) == end - start else logits[live]
                self._sample(groups[g], [rows[i][1] for i in live], block)
            start = end

    def _runner(self, prefixes: list[PrefixKV], row_groups: list[int], capacity: int) -> StepRunner:
        if self.config.device == "cuda" and self.config.triton:
            from kernels.engine.cuda.runner import CudaGraphRunner

            return CudaGraphRunner(
                self.model, prefixes, row_groups, capacity, use_graph=self.config.cuda_graphs
            )
        return EagerRunner(self.model, prefixes, row_groups, capacity)

    def _output(self, group: _Group) -> RequestOutput:
        samples = [s.output() for s in group.samples]
        while len(samples) < group.copies:  # greedy: every sample is the same
            samples.append(replace(samples[0]))
        return RequestOutput(group.prompt_len, samples)

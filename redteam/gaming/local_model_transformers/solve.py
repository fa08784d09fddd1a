"""Red team: runs a model of its own, outside the gateway and its budget."""

from transformers import pipeline

_generate = pipeline("text-generation", model="HuggingFaceTB/SmolLM2-1.7B-Instruct")


def solve(question: str, llm) -> str:
    return _generate(question, max_new_tokens=16)[0]["generated_text"]

"""Test helpers: a cheap deterministic embedder and small builders of preprints and figures."""

from __future__ import annotations

import hashlib
import io
import re
from typing import Any

import numpy as np

from preprints import ClaimCreate, PreprintCreate

DIM = 128


def hashing_embedder(texts: list[str]) -> np.ndarray:
    """Bag of hashed words: texts sharing words are close. Stands in for MiniLM in unit tests."""
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for i, text in enumerate(texts):
        for word in re.findall(r"\w+", text.lower()):
            out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % DIM] += 1.0
    return out


def preprint(title: str = "Voting helps", **fields: Any) -> PreprintCreate:
    data: dict[str, Any] = {
        "abstract": f"An abstract about {title.lower()}.",
        "body": f"# {title}\n\nSome text.\n",
        "claims": [ClaimCreate(metric="accuracy", value=0.61, split="dev", spec={"seed": 1})],
    }
    data.update(fields)
    return PreprintCreate(title=title, **data)


def png_bytes(color: str = "tab:blue") -> bytes:
    """A small real PNG made with matplotlib."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(3, 2), dpi=60)
    ax.plot([1, 2, 3], [0.5, 0.6, 0.7], color=color)
    ax.set_title("accuracy")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)
    return buffer.getvalue()

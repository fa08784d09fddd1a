"""A preprint as one Markdown file with YAML front matter, and back (for downloads and posting)."""

from __future__ import annotations

import re
from typing import Any

import yaml
from pydantic import ValidationError

from preprints.errors import Invalid
from preprints.models import PreprintCreate, PreprintPublic

FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)\n---[ \t]*(?:\n|\Z)", re.S)
POSTABLE = ("title", "abstract", "goal", "task", "builds_on", "figures", "claims")


def to_markdown(preprint: PreprintPublic) -> str:
    """Front matter (id, version, lab, status, claims with verdicts, lineage) then the body."""
    meta: dict[str, Any] = {
        "id": preprint.preprint_id,
        "version": preprint.version,
        "title": preprint.title,
        "lab": preprint.lab,
        "status": preprint.status.value,
        "goal": preprint.goal,
        "task": preprint.task,
        "posted": preprint.created_at.isoformat(),
        "abstract": preprint.abstract,
        "builds_on": preprint.builds_on,
        "figures": [f.sha256 for f in preprint.figures],
        "claims": [c.model_dump(mode="json") for c in preprint.claims],
    }
    if preprint.flags:
        meta["flags"] = [f.model_dump(mode="json") for f in preprint.flags]
    header = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=100)
    return f"---\n{header}---\n\n{preprint.body}\n"


def from_markdown(text: str) -> PreprintCreate:
    """A ``PreprintCreate`` from Markdown; the title may come from the first ``# heading``."""
    meta: dict[str, Any] = {}
    body = text
    match = FRONT_MATTER.match(text)
    if match:
        try:
            loaded = yaml.safe_load(match.group(1)) or {}
        except yaml.YAMLError as exc:
            raise Invalid(f"the front matter is not valid YAML: {exc}") from exc
        if not isinstance(loaded, dict):
            raise Invalid("the front matter must be a YAML mapping (key: value lines)")
        meta = loaded
        body = text[match.end() :].lstrip("\n")
    fields = {key: meta[key] for key in POSTABLE if meta.get(key) is not None}
    if "claims" in fields:
        keep = ("metric", "value", "split", "spec")
        fields["claims"] = [{k: c[k] for k in keep if k in c} for c in fields["claims"]]
    if "title" not in fields:
        heading = re.search(r"^# +(.+)$", body, re.M)
        if heading is None:
            raise Invalid("no title: add 'title:' to the front matter or a '# Title' line")
        fields["title"] = heading.group(1).strip()
    try:
        return PreprintCreate(**fields, body=body.rstrip("\n") + "\n")
    except ValidationError as exc:
        raise Invalid(f"the Markdown file does not make a valid preprint: {exc}") from exc

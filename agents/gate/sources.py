"""Where a preprint's claims come from: the experiment each claim's ``spec`` names.

- ``{"bundle": "bd-..."}``: code uploaded with ``POST /api/bundles`` (kept by ``BundleStore``);
- ``{"architecture": {...}, "task": ..., "model": ..., "budget": {...}}``, or
  ``{"allocation": {"stages": {...}}, "task": <a staged task>, ...}``: a declarative
  experiment, written out as a bundle folder in a scratch folder;
- ``meta`` (anything) may go with either; the gate ignores it;
- an empty spec: the bundle given to ``rxlab gate preprint ID --bundle DIR``, if any.

Anything else is a ``Source`` with an ``error`` that says what the claim should name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from agents.gate.bundles import BundleStore, UnknownBundle
from preprints import ClaimPublic, PreprintPublic
from sandbox.monitor.bundle import SPEC_FILE

DECLARATIVE = ("architecture", "allocation")
# ``meta``: free-form notes the gate does not read (a lab keeps its search space and seed there)
IGNORED_KEYS = frozenset({"meta"})
DECLARATIVE_KEYS = frozenset({*DECLARATIVE, "task", "model", "budget", "name", "description"})
BUNDLE_KEYS = frozenset({"bundle", "name", "description"})
NO_EXPERIMENT = (
    "the claim names no experiment to re-run: give its spec {'bundle': <id from POST "
    "/api/bundles>} for code, or {'architecture': {...}, 'model': ...} or {'allocation': "
    "{'stages': {...}}, 'task': <a staged task>} for a declarative one"
)


@dataclass(frozen=True)
class Source:
    """One experiment: a bundle folder to run, or the reason there is none."""

    label: str
    path: Path | None = None
    error: str | None = None


def _unknown(spec: Mapping[str, Any], allowed: frozenset[str]) -> str | None:
    extra = sorted(set(spec) - allowed - IGNORED_KEYS)
    if not extra:
        return None
    return f"unknown keys {extra} in the claim's spec; allowed: {', '.join(sorted(allowed))}"


def _label(kind: str, spec: Mapping[str, Any]) -> str:
    body = spec[kind]
    name = spec.get("name") or (body.get("name") if isinstance(body, dict) else body)
    return f"{kind} {name}" if name else kind


def _declarative(spec: Mapping[str, Any], task: str | None, folder: Path) -> Source:
    kind = next(k for k in DECLARATIVE if k in spec)
    label = _label(kind, spec)
    if error := _unknown(spec, DECLARATIVE_KEYS):
        return Source(label, error=error)
    fields = {k: v for k, v in spec.items() if k in DECLARATIVE_KEYS}
    fields.setdefault("task", task)
    if not fields["task"]:
        return Source(label, error="the claim's spec names no task and the preprint has none")
    folder.mkdir(parents=True)
    (folder / SPEC_FILE).write_text(yaml.safe_dump(fields, sort_keys=False))
    return Source(label, path=folder)


def resolve(
    spec: Mapping[str, Any],
    *,
    task: str | None,
    bundles: BundleStore | None,
    bundle: Path | None,
    folder: Path,
) -> Source:
    """The experiment ``spec`` names (``folder`` is where a declarative one is written)."""
    if "bundle" in spec:
        label = f"bundle {spec['bundle']}"
        if error := _unknown(spec, BUNDLE_KEYS):
            return Source(label, error=error)
        if bundles is None:
            return Source(label, error="this gate has no bundle store to find uploaded bundles")
        try:
            return Source(label, path=bundles.path(str(spec["bundle"])))
        except UnknownBundle as exc:
            return Source(label, error=str(exc))
    if any(k in spec for k in DECLARATIVE):
        return _declarative(spec, task, folder)
    if bundle is not None:
        return Source(f"bundle {bundle}", path=bundle)
    return Source("no experiment", error=NO_EXPERIMENT)


def group_claims(
    preprint: PreprintPublic,
    *,
    bundles: BundleStore | None,
    bundle: Path | None,
    scratch: Path,
) -> list[tuple[Source, list[ClaimPublic]]]:
    """Claims grouped by the experiment they name, in the order of their first claim."""
    groups: dict[str, tuple[Source, list[ClaimPublic]]] = {}
    for claim in sorted(preprint.claims, key=lambda c: c.position):
        key = json.dumps(claim.spec, sort_keys=True, default=str)
        if key not in groups:
            source = resolve(
                claim.spec,
                task=preprint.task,
                bundles=bundles,
                bundle=bundle,
                folder=scratch / f"experiment-{len(groups)}",
            )
            groups[key] = (source, [])
        groups[key][1].append(claim)
    return list(groups.values())

"""``load_bundle``: a good bundle loads; every malformed one says what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sandbox.monitor import BundleSpec, MalformedBundle, load_bundle

SOLVE = "def solve(question: str, llm) -> str:\n    return llm.complete(question)[0]\n"
GOOD = {
    "task": "arith",
    "entry": "solve.py:solve",
    "model": "local/smollm2-135m",
    "budget": {"tokens": 20000},
    "claims": [{"metric": "accuracy", "split": "dev", "value": 0.55}],
}


def make(tmp_path: Path, spec: object = None, files: dict[str, str] | None = None) -> Path:
    root = tmp_path / "bundle"
    root.mkdir()
    if spec is not None:
        text = spec if isinstance(spec, str) else yaml.safe_dump(spec)
        (root / "rxlab.yaml").write_text(text)
    for name, text in (files if files is not None else {"solve.py": SOLVE}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def test_a_good_bundle_loads(tmp_path: Path) -> None:
    spec = load_bundle(make(tmp_path, GOOD, {"solve.py": SOLVE, "lib/util.py": "X = 1\n"}))
    assert isinstance(spec, BundleSpec)
    assert spec.kind == "code"
    assert (spec.entry_file, spec.entry_function) == ("solve.py", "solve")
    assert spec.budget is not None and spec.budget.tokens == 20000
    assert spec.claims[0].value == 0.55 and spec.claims[0].split == "dev"
    assert [p.as_posix() for p in spec.python_files()] == ["lib/util.py", "solve.py"]


def test_declarative_bundles_need_no_code(tmp_path: Path) -> None:
    arch = {"task": "arith", "architecture": {"layers": [[{"component": "generator"}]]}}
    assert load_bundle(make(tmp_path, arch, {})).kind == "architecture"
    alloc_dir = tmp_path / "other"
    alloc_dir.mkdir()
    (alloc_dir / "rxlab.yaml").write_text(yaml.safe_dump({"task": "arith", "allocation": "a.yaml"}))
    with pytest.raises(MalformedBundle, match=r"allocation file 'a\.yaml' does not exist"):
        load_bundle(alloc_dir)
    (alloc_dir / "a.yaml").write_text("stages: []\n")
    assert load_bundle(alloc_dir).kind == "allocation"


@pytest.mark.parametrize(
    ("spec", "files", "message"),
    [
        (None, None, "rxlab.yaml is missing"),
        ("task: [unclosed", None, "is not valid YAML"),
        ("- just\n- a list\n", None, "must be a mapping"),
        ({**GOOD, "colour": "red"}, None, "unknown field 'colour'"),
        ({**GOOD, "root": "/"}, None, "unknown field 'root'"),
        ({k: v for k, v in GOOD.items() if k != "task"}, None, "field 'task'"),
        ({k: v for k, v in GOOD.items() if k != "entry"}, None, "exactly one of `entry`"),
        ({**GOOD, "architecture": {"layers": []}}, None, "found entry, architecture"),
        ({k: v for k, v in GOOD.items() if k != "model"}, None, "needs `model:`"),
        ({**GOOD, "entry": "solve.py"}, None, "must look like `file.py:function`"),
        ({**GOOD, "entry": "missing.py:solve"}, None, "'missing.py' does not exist"),
        ({**GOOD, "entry": "../solve.py:solve"}, None, "relative path inside the bundle"),
        ({**GOOD, "entry": "solve.py:answer"}, None, "no top-level function `answer`"),
        (GOOD, {"solve.py": "def solve(question, llm)\n"}, "does not parse"),
        (GOOD, {"solve.py": "def solve(question):\n    return ''\n"}, "must take (question, llm)"),
        ({**GOOD, "budget": {"tokens": -5}}, None, "field 'budget.tokens'"),
        ({**GOOD, "budget": {"minutes": 5}}, None, "unknown field 'budget.minutes'"),
        ({**GOOD, "claims": [{"metric": "accuracy", "split": "dev", "value": 55}]}, None, "[0, 1]"),
        (
            {**GOOD, "claims": [{"metric": "accuracy", "split": "train", "value": 0.5}]},
            None,
            "claims.0.split",
        ),
    ],
)
def test_malformed_bundles_say_what_is_wrong(
    tmp_path: Path, spec: object, files: dict[str, str] | None, message: str
) -> None:
    with pytest.raises(MalformedBundle) as info:
        load_bundle(make(tmp_path, spec, files))
    assert message in str(info.value)


def test_a_missing_folder_is_malformed(tmp_path: Path) -> None:
    with pytest.raises(MalformedBundle, match="is not a folder"):
        load_bundle(tmp_path / "nope")

"""`rxlab sandbox run DIR -- CMD` prints the evidence; `--json` prints it as a record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rxlab.commands.sandbox import app
from sandbox import Evidence
from tests.sandbox._docker import docker_missing, our_containers

runner = CliRunner()


def project(tmp_path: Path, code: str) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "main.py").write_text(code)
    return folder


def test_run_prints_the_evidence_as_json_on_the_local_backend(tmp_path: Path) -> None:
    folder = project(tmp_path, "print(len(open('main.py').read()))")
    result = runner.invoke(
        app, ["run", str(folder), "--backend", "local", "--json", "--", "python3", "main.py"]
    )
    assert result.exit_code == 0, result.output
    evidence = Evidence.model_validate_json(result.stdout)
    assert evidence.stdout == "34\n" and evidence.isolated is False
    assert [f.path for f in evidence.files_in] == ["main.py"]


def test_code_reaches_a_model_through_the_gateway(tmp_path: Path) -> None:
    code = "import rxlab_llm as llm\nprint(llm.complete('ping pong', max_tokens=5)[0])"
    folder = project(tmp_path, code)
    result = runner.invoke(
        app,
        ["run", str(folder), "--backend", "local", "--model", "mock/echo", "--json", "--",
         "python3", "main.py"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["stdout"] == "ping pong\n"


@pytest.mark.docker
def test_run_in_docker_shows_a_table_and_fails_with_the_code(tmp_path: Path) -> None:
    if reason := docker_missing():
        pytest.skip(reason)
    folder = project(tmp_path, "import os\nprint('uid', os.getuid())\nraise SystemExit(4)")
    result = runner.invoke(app, ["run", str(folder), "--", "python3", "main.py"])
    assert result.exit_code == 1
    for expected in ("isolated", "yes", "exit code", "4", "uid 65534", "main.py"):
        assert expected in result.stdout
    assert our_containers() == []


def test_a_missing_folder_is_an_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["run", str(tmp_path / "nope"), "--", "true"])
    assert result.exit_code == 2 and "is not a folder" in " ".join(result.stdout.split())

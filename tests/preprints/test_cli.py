"""`rxlab labs create`, `rxlab preprints post|list|search|show` against the default store."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from rxlab.commands import preprints as commands
from tests.preprints.fakes import png_bytes

REPORT = """---
title: Voting on arithmetic
abstract: Majority vote over five samples.
task: arith
claims:
  - metric: accuracy
    value: 0.61
    spec: {k: 5}
---

# Voting on arithmetic

| k | accuracy |
| --- | --- |
| 5 | 0.61 |
"""


@pytest.fixture
def cli() -> typer.Typer:
    app = typer.Typer()
    app.add_typer(commands.app, name="preprints")
    app.add_typer(commands.labs_app, name="labs")
    return app


def test_create_post_list_search_show(cli: typer.Typer, tmp_path: Path, rxlab_home: Path) -> None:
    runner = CliRunner()
    created = runner.invoke(cli, ["labs", "create", "alpha"])
    assert created.exit_code == 0, created.output
    token = next(line for line in created.output.splitlines() if line.startswith("rxl_"))
    assert runner.invoke(cli, ["labs", "create", "alpha"]).exit_code == 1
    report = tmp_path / "report.md"
    report.write_text(REPORT)
    figure = tmp_path / "acc.png"
    figure.write_bytes(png_bytes())

    posted = runner.invoke(
        cli,
        ["preprints", "post", str(report), "--figure", str(figure)],
        env={"RXLAB_LAB_TOKEN": token},
    )
    assert posted.exit_code == 0, posted.output
    pid = posted.output.split("posted ")[1].split()[0]
    assert (rxlab_home / "rxlab.db").exists()

    listed = runner.invoke(cli, ["preprints", "list", "--task", "arith"])
    assert pid in listed.output and "1 preprints" in listed.output
    found = runner.invoke(cli, ["preprints", "search", "arithmetic voting", "--mode", "text"])
    assert pid in found.output
    shown = runner.invoke(cli, ["preprints", "show", pid])
    assert "metric: accuracy" in shown.output and "| 5 | 0.61 |" in shown.output
    assert (
        '"filename": "acc.png"' in runner.invoke(cli, ["preprints", "show", pid, "--json"]).output
    )

    bad = runner.invoke(cli, ["preprints", "post", str(report), "--token", "rxl_nope"])
    assert bad.exit_code == 1 and "not valid" in bad.output
    missing = runner.invoke(cli, ["preprints", "show", "rx-0000000000"])
    assert missing.exit_code == 1 and "not found" in missing.output

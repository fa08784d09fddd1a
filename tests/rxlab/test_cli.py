"""The `rxlab` CLI: models, chat through the gateway, clear errors with exit code 2."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from rxlab.cli import app

runner = CliRunner()


def test_help_lists_the_commands() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("models", "chat", "bench"):
        assert command in result.output


def test_models_lists_local_and_mock_models() -> None:
    result = runner.invoke(app, ["models"])
    assert result.exit_code == 0, result.output
    assert "local/smollm2-135m" in result.output
    assert "mock/echo" in result.output


def test_chat_prints_samples_tokens_cost_and_latency() -> None:
    result = runner.invoke(app, ["chat", "mock/echo", "hello there", "-n", "3"])
    assert result.exit_code == 0, result.output
    assert result.output.count("hello there") == 3
    assert "sample 3/3" in result.output
    assert "prompt tokens: 2" in result.output
    assert "completion tokens: 6" in result.output
    assert "cost: $0.000000" in result.output
    assert "latency:" in result.output


def test_chat_refuses_a_call_over_budget() -> None:
    result = runner.invoke(
        app, ["chat", "mock/echo", "hi", "--max-tokens", "100", "--budget-tokens", "10"]
    )
    assert result.exit_code == 2
    assert "budget exceeded" in result.output
    assert "not sent" in result.output


def test_chat_with_an_unknown_model_names_it() -> None:
    result = runner.invoke(app, ["chat", "mock/nope", "hi"])
    assert result.exit_code == 2
    assert "mock/nope" in result.output


@pytest.mark.slow
def test_chat_local_model_prints_four_samples() -> None:
    result = runner.invoke(
        app, ["chat", "local/smollm2-135m", "What is 2+3?", "-n", "4", "--max-tokens", "12"]
    )
    assert result.exit_code == 0, result.output
    for i in range(1, 5):
        assert f"sample {i}/4" in result.output
    assert "completion tokens:" in result.output

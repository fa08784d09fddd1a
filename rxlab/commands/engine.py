"""`rxlab serve-model` (the local model over OpenAI's HTTP API) and `rxlab bench engine`."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

console = Console()

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


def serve_model(
    model: str = typer.Argument("smollm2-135m", help="local model name, e.g. smollm2-135m"),
    host: str = typer.Option(DEFAULT_HOST, "--host", help="address to listen on"),
    port: int = typer.Option(DEFAULT_PORT, "--port", help="TCP port"),
    device: str | None = typer.Option(None, "--device", help="cpu or cuda (default: auto)"),
) -> None:
    """Serve a local model as an OpenAI-compatible `POST /v1/chat/completions` endpoint."""
    import uvicorn

    from kernels.engine.server import create_app
    from kernels.local_model import LOCAL_MODELS, EngineBackend

    name = model.removeprefix("local/")
    if name not in LOCAL_MODELS:
        console.print(
            f"[red]error:[/red] unknown local model {model!r}; "
            f"local models are: {', '.join(LOCAL_MODELS)}"
        )
        raise typer.Exit(2)
    with console.status(f"loading {name} ..."):
        backend = EngineBackend(name, device)
    console.print(
        f"serving [bold]{name}[/bold] on {backend.engine.describe()} at "
        f"http://{host}:{port}/v1/chat/completions"
    )
    uvicorn.run(create_app(backend, name), host=host, port=port, log_level="info")


def bench_engine(
    device: str = typer.Option("cpu", "--device", help="cpu or cuda"),
    samples: list[int] | None = typer.Option(
        None, "--n", "-n", help="sample counts (default: 1 8 32 on CPU, 1 8 64 256 on GPU)"
    ),
    threads: int | None = typer.Option(None, "--threads", help="torch CPU threads for both"),
    new_tokens: int = typer.Option(128, "--new-tokens", help="tokens generated per sample"),
    baseline: bool = typer.Option(True, "--baseline/--no-baseline", help="also time transformers"),
    torch_path: bool = typer.Option(
        True, "--torch-path/--no-torch-path", help="CPU: also time the engine without C++ kernels"
    ),
    out: Path = typer.Option(Path("bench-engine"), "--out", help="folder for the JSON and plot"),
) -> None:
    """The engine against transformers generate(): tokens/s for each n, and the ratio."""
    from kernels.engine.bench import BenchRow, run_benchmark, save_results

    console.print(
        "[bold]rxlab engine vs transformers generate()[/bold] "
        f"on {device}: same GGUF weights, same prompt, T=0.8"
    )
    rows: list[BenchRow] = run_benchmark(
        tuple(samples) if samples else None,
        device=device,
        baseline=baseline,
        threads=threads,
        new_tokens=new_tokens,
        torch_path=torch_path,
        report=lambda line: console.print(line, markup=False, highlight=False),
    )
    console.print(bench_table(rows))
    console.print(f"plot: {save_results(out, rows, device, new_tokens)}")


def bench_table(rows: list) -> Table:
    table = Table(title="tokens/s (higher is better)")
    plain = any(row.torch_path_tps for row in rows)
    columns = ["n", "engine", "engine, torch path", "transformers", "ratio", "of bandwidth bound"]
    for col in columns if plain else [c for c in columns if c != "engine, torch path"]:
        table.add_column(col, justify="right")
    for row in rows:
        torch_path = [f"{row.torch_path_tps:.1f}" if row.torch_path_tps else "-"] if plain else []
        table.add_row(
            str(row.n),
            f"{row.engine_tps:.1f}",
            *torch_path,
            f"{row.baseline_tps:.1f}" if row.baseline_tps else "-",
            f"{row.ratio:.1f}x" if row.ratio else "-",
            f"{row.bound_fraction:.1%}" if row.bound_fraction else "-",
        )
    return table

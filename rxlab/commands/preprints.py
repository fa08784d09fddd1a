"""`rxlab preprints list|search|show|post`, `rxlab labs create|list|token`, and `rxlab serve`.

Commands open the store at the settings' database URL (SQLite under RXLAB_HOME by default).
Only commands that need embeddings (posting, embedding or hybrid search) load the model.
"""

from __future__ import annotations

import html
import mimetypes
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from rxlab.settings import get_settings

if TYPE_CHECKING:
    from preprints import PreprintSummary, Store

console = Console()
app = typer.Typer(help="Read, search and post preprints.", no_args_is_help=True)
labs_app = typer.Typer(help="Labs: who may post preprints, and their tokens.", no_args_is_help=True)

TOKEN_ENV = "RXLAB_LAB_TOKEN"


def open_store(embeddings: bool) -> Store:
    from preprints import Store

    settings = get_settings()
    settings.ensure_home()
    embedder = None
    if embeddings:
        from kernels.embeddings import embed

        embedder = embed
    return Store(settings.db_url, embedder=embedder)


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(1)


def _filters(status: str | None, goal: str | None, task: str | None, lab: str | None) -> Any:
    from preprints import PreprintFilter

    try:
        return PreprintFilter(status=status, goal=goal, task=task, lab=lab)
    except ValueError as exc:
        raise _fail(f"bad filter: {exc}") from exc


def _summary_table(title: str, extra: tuple[str, ...] = ()) -> Table:
    table = Table(title=title)
    for column in ("id", "v", "status", "lab", "title", "posted"):
        table.add_column(column)
    for name in extra:
        table.add_column(name)
    return table


def _terminal_snippet(snippet: str) -> str:
    """The API's HTML snippet as rich markup: matches bold, the rest unescaped and safe."""
    parts = re.split(r"(</?mark>)", snippet)
    out, inside = [], False
    for part in parts:
        if part in ("<mark>", "</mark>"):
            inside = part == "<mark>"
            continue
        text = escape(html.unescape(part))
        out.append(f"[bold yellow]{text}[/bold yellow]" if inside and text else text)
    return "".join(out)


def _row(s: PreprintSummary) -> list[str]:
    posted = s.created_at.strftime("%Y-%m-%d %H:%M")
    return [s.preprint_id, str(s.version), s.status.value, s.lab, escape(s.title), posted]


@app.command("list")
def list_preprints(
    status: str | None = typer.Option(None, help="submitted, verified, rejected or flagged"),
    goal: str | None = typer.Option(None),
    task: str | None = typer.Option(None),
    lab: str | None = typer.Option(None),
    limit: int = typer.Option(20, min=1, max=200),
) -> None:
    """The latest version of each preprint, newest first."""
    store = open_store(embeddings=False)
    page = store.list(_filters(status, goal, task, lab), limit=limit)
    table = _summary_table(f"{page.total} preprints")
    for item in page.items:
        table.add_row(*_row(item))
    console.print(table)


@app.command()
def search(
    query: str = typer.Argument(..., help="words or a question"),
    mode: str = typer.Option("hybrid", help="text, embedding or hybrid"),
    status: str | None = typer.Option(None),
    goal: str | None = typer.Option(None),
    task: str | None = typer.Option(None),
    lab: str | None = typer.Option(None),
    limit: int = typer.Option(10, min=1, max=100),
) -> None:
    """Ranked hits with scores and snippets (hybrid and embedding load the embedding model)."""
    from preprints import SearchMode, StoreError

    if mode not in SearchMode.__members__:
        raise _fail(f"unknown mode {mode!r}: use text, embedding or hybrid")
    store = open_store(embeddings=mode != "text")
    try:
        results = store.search(
            query, mode=mode, filters=_filters(status, goal, task, lab), limit=limit
        )
    except StoreError as exc:
        raise _fail(str(exc)) from exc
    table = _summary_table(f"{len(results.hits)} hits ({results.mode.value})", ("score",))
    for hit in results.hits:
        table.add_row(*_row(hit.preprint), f"{hit.score:.3f}")
        table.add_row("", "", "", "", _terminal_snippet(hit.snippet), "", "")
    console.print(table)


@app.command()
def show(
    preprint_id: str = typer.Argument(...),
    version: int | None = typer.Option(None, min=1, help="default: the latest"),
    as_json: bool = typer.Option(False, "--json", help="print the JSON record"),
) -> None:
    """Print a preprint as Markdown with its front matter (claims, verdicts, lineage)."""
    from preprints import StoreError, to_markdown

    store = open_store(embeddings=False)
    try:
        preprint = store.get(preprint_id, version)
    except StoreError as exc:
        raise _fail(str(exc)) from exc
    if as_json:
        print(preprint.model_dump_json(indent=2))
    else:
        print(to_markdown(preprint), end="")


@app.command()
def post(
    file: Path = typer.Argument(
        ..., exists=True, dir_okay=False, help="Markdown, front matter optional"
    ),
    token: str = typer.Option(..., envvar=TOKEN_ENV, help=f"the lab's token (or set {TOKEN_ENV})"),
    figure: list[Path] = typer.Option([], exists=True, dir_okay=False, help="image to attach"),
    builds_on: list[str] = typer.Option([], help="id of a preprint this one builds on"),
    revise: str | None = typer.Option(None, help="post as a new version of this preprint id"),
) -> None:
    """Post a Markdown report as the token's lab (a new preprint, or a revision with --revise)."""
    from preprints import StoreError, from_markdown

    store = open_store(embeddings=True)
    lab = store.authenticate(token)
    if lab is None:
        raise _fail("the lab token is not valid; create one with `rxlab labs create NAME`")
    try:
        data = from_markdown(file.read_text(encoding="utf-8"))
        shas = [_upload(store, lab.name, path) for path in figure]
        data = data.model_copy(
            update={"figures": data.figures + shas, "builds_on": data.builds_on + builds_on}
        )
        posted = store.revise(lab.name, revise, data) if revise else store.post(lab.name, data)
    except StoreError as exc:
        raise _fail(str(exc)) from exc
    console.print(f"posted [bold]{posted.preprint_id}[/bold] v{posted.version} as lab {lab.name}")


def _upload(store: Store, lab: str, path: Path) -> str:
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return store.add_figure(lab, path.name, media_type, path.read_bytes()).sha256


@labs_app.command("create")
def create_lab(
    name: str = typer.Argument(..., help="lower-case letters, digits, '-', '_'"),
) -> None:
    """Create a lab and print its token once (only a hash of it is kept)."""
    from preprints import StoreError

    store = open_store(embeddings=False)
    try:
        lab, token = store.create_lab(name)
    except StoreError as exc:
        raise _fail(str(exc)) from exc
    console.print(f"lab [bold]{lab.name}[/bold] created. Its token (shown once, keep it secret):")
    print(token)
    console.print(f"use it as 'Authorization: Bearer <token>' or set {TOKEN_ENV}.")


@labs_app.command("token")
def new_token(name: str = typer.Argument(...)) -> None:
    """Replace a lab's token (the old one stops working) and print the new one once."""
    from preprints import StoreError

    try:
        token = open_store(embeddings=False).rotate_token(name)
    except StoreError as exc:
        raise _fail(str(exc)) from exc
    print(token)


@labs_app.command("list")
def list_labs() -> None:
    """The labs that may post."""
    table = Table(title="labs")
    table.add_column("name")
    table.add_column("created")
    for lab in open_store(embeddings=False).list_labs():
        table.add_row(lab.name, lab.created_at.strftime("%Y-%m-%d %H:%M"))
    console.print(table)


def serve(
    host: str = typer.Option("127.0.0.1", help="address to listen on"),
    port: int = typer.Option(8000, min=1, max=65535),
    gate: bool = typer.Option(True, help="gate submitted preprints in the background"),
) -> None:
    """Serve the pages and REST API (OpenAPI at /openapi.json, docs at /docs), run goals
    launched from the web, and gate submitted preprints in the background."""
    import uvicorn

    from web import create_app

    store = open_store(embeddings=True)
    console.print(f"serving {store.url} at http://{host}:{port}/")
    uvicorn.run(
        create_app(store=store, gate=gate), host=host, port=port, log_level="info",
        timeout_graceful_shutdown=5,
    )  # fmt: skip

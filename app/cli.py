"""The `miccheck` command: serve, db upgrade, demo, archive rebuild, export, verify."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path

import typer

from app.config import get_settings

cli = typer.Typer(help="Mic Check: consensus general assemblies.", no_args_is_help=True)
db_cli = typer.Typer(help="Database schema.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
archive_cli = typer.Typer(help="The archive of decisions.", no_args_is_help=True)
cli.add_typer(archive_cli, name="archive")


def alembic_config(url: str | None = None) -> object:
    from alembic.config import Config

    root = Path(__file__).resolve().parents[1]
    config = Config(str(root / "alembic.ini"))
    config.set_main_option("script_location", str(root / "alembic"))
    config.set_main_option("sqlalchemy.url", url or get_settings().database_url)
    return config


def upgrade_database(url: str | None = None) -> None:
    """Apply every migration (the only way the schema changes)."""
    from alembic import command

    command.upgrade(alembic_config(url), "head")  # type: ignore[arg-type]


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations."""
    upgrade_database()
    typer.echo("database is up to date")


@archive_cli.command("rebuild")
def archive_rebuild() -> None:
    """Make the archive's entries and search index again from the tables."""
    from app.archive.index import rebuild
    from app.db import Database

    db = Database(get_settings().database_url)
    try:
        made = rebuild(db=db)
    finally:
        db.dispose()
    decisions = f"{made.decisions} decision{'' if made.decisions == 1 else 's'}"
    assemblies = f"{made.assemblies} closed assembl{'y' if made.assemblies == 1 else 'ies'}"
    typer.echo(f"archive rebuilt: {decisions} from {assemblies}")


@cli.command()
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to bind; 0.0.0.0 for a real room."),
    port: int = typer.Option(8000, help="Port to listen on."),
) -> None:
    """Serve Mic Check."""
    import uvicorn

    from app.web.app import create_app

    settings = get_settings()
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        ws_per_message_deflate=settings.ws_compression,
        proxy_headers=True,
    )


@cli.command()
def demo() -> None:
    """Seed a realistic evening assembly in its group and print the links to click through."""
    from app.db import Database
    from app.demo import seed_demo
    from app.web.urls import Urls

    settings = get_settings()
    # The evening after its proposals were decided, with Winter tents (blocked, then passed by
    # a fallback vote) back on the screens to look at.
    made = seed_demo(
        db=Database(settings.database_url),
        open_item="Winter tents",
        proposals=True,
        server_secret=settings.resolved_secret_key(),
    )
    urls = Urls(settings.public_url)
    group = made.group
    assert group is not None  # seeded in its group
    links = {
        "console": urls.console(made.assembly_id, made.facilitator_token),
        "projector": urls.projector(made.assembly_id, made.projector_key),
        "phone": urls.join(made.join_code),
        "archive": urls.archive_group(group.slug),
    }
    typer.echo(
        f"Seeded “Riverside Commons GA” no. {made.number} of {group.name} "
        f"(join code {made.join_code}). Open:"
    )
    for name, path in links.items():
        typer.echo(f"  {name:<10} {urls.absolute(path)}")
    told = f"Group {group.slug} " + (
        "made; its admin token"
        if group.created
        else "was already there; its new admin token (the old one no longer works)"
    )
    typer.echo(
        f"{told}, shown this once — keep it secret, it creates the group's assemblies:\n"
        f"  {group.admin_token}"
    )


class ExportFormat(StrEnum):
    md = "md"
    html = "html"
    json = "json"
    events = "events"


def export_text(assembly_id: str, format: ExportFormat) -> str | None:
    """What `miccheck export` writes: what the API serves, as a file (None: no events)."""
    from dataclasses import asdict

    from app.db import Database
    from app.events import export_events
    from app.minutes.markdown import render_markdown
    from app.minutes.state import load_minutes
    from app.web.minutes_html import render_minutes_html
    from app.web.render import make_environment

    db = Database(get_settings().database_url)
    try:
        with db.read() as session:
            data = export_events(session, assembly_id)
        if not data["events"]:
            return None
        if format is ExportFormat.events:
            return json.dumps(data, ensure_ascii=False, indent=1)
        read = load_minutes(db=db, assembly_id=assembly_id)
    finally:
        db.dispose()
    if format is ExportFormat.md:
        return render_markdown(read.minutes)
    if format is ExportFormat.html:
        return render_minutes_html(make_environment(), read.minutes, seq=read.seq)
    return json.dumps({**asdict(read.minutes), "seq": read.seq}, ensure_ascii=False, indent=1)


@cli.command()
def export(
    assembly_id: str,
    format: ExportFormat = typer.Option(
        ExportFormat.events, help="events (the hash-chained log) or the minutes: md, html, json."
    ),
    output: Path | None = typer.Option(None, "--output", "-o", help="File (default: stdout)."),
) -> None:
    """Export an assembly's event log (JSON, hash-chained) or its minutes."""
    text = export_text(assembly_id, format)
    if text is None:
        typer.echo(f"no events for assembly {assembly_id}", err=True)
        raise typer.Exit(1)
    if output:
        output.write_text(text if text.endswith("\n") else text + "\n")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


@cli.command()
def verify(file: Path) -> None:
    """Check an exported event file: every link of the hash chain, and the head."""
    from app.events import verify_chain

    try:
        data = json.loads(file.read_text())
        events = data["events"]
        head = data.get("head")
        if not isinstance(events, list):
            raise TypeError("events is not a list")
    except (OSError, ValueError, KeyError, TypeError) as exc:
        typer.echo(f"cannot read {file}: {exc}", err=True)
        raise typer.Exit(2) from exc
    bad = verify_chain(events, head)
    if bad is not None:
        typer.echo(f"chain broken at seq {bad}", err=True)
        raise typer.Exit(1)
    last = events[-1] if events else {"seq": 0, "hash": "0" * 64}
    typer.echo(f"ok: {len(events)} events, head seq {last['seq']} hash {last['hash']}")


def main() -> None:
    cli()

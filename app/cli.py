"""The `miccheck` command: serve, db upgrade, demo, archive rebuild, export, verify."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any

import typer

from app.config import get_settings
from app.i18n import N_, _, ngettext, normal, set_current, translate

# Re-exported: the tests and scripts that check `miccheck serve` reach its plan here.
from app.web.serve_plan import Refused, serve_plan, terminal_qr

cli = typer.Typer(help="Mic Check: consensus general assemblies.", no_args_is_help=True)
db_cli = typer.Typer(help="Database schema.", no_args_is_help=True)
cli.add_typer(db_cli, name="db")
archive_cli = typer.Typer(help="The archive of decisions.", no_args_is_help=True)
cli.add_typer(archive_cli, name="archive")


def environment_language(environ: Mapping[str, str] | None = None) -> str | None:
    """The language the environment asks for, as POSIX reads it (LC_ALL, then LC_MESSAGES,
    then LANG): "es_ES.UTF-8" -> "es"; None for C, POSIX or a language we do not speak."""
    environ = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if value := environ.get(name, "").strip():
            return normal(value.split(".", 1)[0].split("@", 1)[0])
    return None


@cli.callback()
def speak_the_environment() -> None:
    """Mic Check: consensus general assemblies."""
    set_current(environment_language())


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
    typer.echo(_("database is up to date"))


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
    decisions = ngettext("{num} decision", "{num} decisions", made.decisions)
    assemblies = ngettext("{num} closed assembly", "{num} closed assemblies", made.assemblies)
    typer.echo(
        _("archive rebuilt: {decisions} from {assemblies}").format(
            decisions=decisions.format(num=made.decisions),
            assemblies=assemblies.format(num=made.assemblies),
        )
    )


@cli.command()
def serve(
    host: str | None = typer.Option(
        None, help="Address to bind [default: 127.0.0.1; 0.0.0.0 with --lan]."
    ),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(
        1, help="Worker processes; more than 1 needs PostgreSQL and Redis (docs/deploy.md)."
    ),
    lan: bool = typer.Option(
        False,
        "--lan",
        help="Serve a venue network: bind 0.0.0.0, point join links and QR codes at this "
        "machine's LAN address, print the join link and its QR code.",
    ),
) -> None:
    """Serve Mic Check."""
    import os

    import uvicorn

    from app.web.access_log import log_config

    settings = get_settings()
    try:
        plan = serve_plan(settings, host=host, port=port, workers=workers, lan=lan)
    except Refused as refused:
        typer.echo(str(refused), err=True)
        raise typer.Exit(code=2) from None
    os.environ.update(plan.environment)
    settings = settings.model_copy(update={"public_url": plan.public_url})
    if plan.join_link is not None:
        typer.echo(_("Phones join at {link}").format(link=plan.join_link) + "\n")
        typer.echo(terminal_qr(plan.join_link))
    if workers > 1:
        # Each worker imports the app and builds it from the environment set above.
        uvicorn.run(
            "app.web.app:create_app",
            factory=True,
            workers=workers,
            host=plan.host,
            port=port,
            ws_per_message_deflate=settings.ws_compression,
            ws_max_size=settings.ws_max_frame_bytes,
            proxy_headers=True,
            forwarded_allow_ips=settings.forwarded_allow_ips,  # "": nobody
            log_config=log_config(),  # no `key=` values in the logs
        )
        return
    from app.web.app import create_app

    uvicorn.run(
        create_app(settings),
        host=plan.host,
        port=port,
        ws_per_message_deflate=settings.ws_compression,
        ws_max_size=settings.ws_max_frame_bytes,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        log_config=log_config(),
    )


@cli.command()
def mirror(
    link: str = typer.Argument(
        ..., metavar="URL", help="The primary's console link or address: http://HOST:PORT/a/ID/…"
    ),
    key: str = typer.Option(..., help="A facilitator's key (the `key=` of their console link)."),
    host: str = typer.Option("0.0.0.0", help="Address to bind: phones reach the mirror on it."),
    port: int = typer.Option(8001, help="Port to listen on."),
    database: str = typer.Option(
        "sqlite:///./miccheck-mirror.db",
        help="This mirror's own database (never the one this laptop runs its assemblies in).",
    ),
    announce: str | None = typer.Option(
        None, help="The address phones reach this mirror at [default: http://LAN-ADDRESS:PORT]."
    ),
) -> None:
    """Follow an assembly live on a second laptop: a verified copy, its wall and minutes
    served read-only, and a facilitator's take-over when the primary stops answering."""
    import uvicorn

    from app.copies.follow import Follower, announce_to_primary
    from app.copies.logic import primary_of
    from app.web import lan
    from app.web.access_log import log_config
    from app.web.app import create_app

    try:
        primary, assembly_id = primary_of(link)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(code=2) from None
    address = announce or lan.public_url(lan.lan_address() or "127.0.0.1", port)
    upgrade_database(database)
    # A mirror never waits for mirrors of its own, also once it took over (README, Settings).
    settings = get_settings().model_copy(
        update={"database_url": database, "public_url": address, "ack_after_mirror": False}
    )
    try:
        told = announce_to_primary(
            primary=primary, assembly_id=assembly_id, key=key, address=address
        )
        typer.echo(_("The primary announced this mirror to phones: {address}").format(address=told))
    except OSError as exc:
        typer.echo(
            _("Could not announce this mirror to the primary ({error}); following anyway.").format(
                error=exc
            ),
            err=True,
        )
    from app.db import Database

    db = Database(database)
    follower = Follower(db=db, primary=primary, assembly_id=assembly_id, key=key)
    typer.echo(
        _("Mirroring {primary}; console at {console}").format(
            primary=primary, console=f"{address}/a/{assembly_id}/console"
        )
    )
    uvicorn.run(
        create_app(settings, db=db, follower=follower),
        host=host,
        port=port,
        ws_per_message_deflate=settings.ws_compression,
        ws_max_size=settings.ws_max_frame_bytes,
        log_config=log_config(),
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
        N_("console"): urls.console(made.assembly_id, made.facilitator_token),
        N_("projector"): urls.projector(made.assembly_id, made.projector_key),
        N_("phone"): urls.join(made.join_code),
        N_("archive"): urls.archive_group(group.slug),
    }
    typer.echo(
        _("Seeded “Riverside Commons GA” no. {number} of {group} (join code {code}). Open:").format(
            number=made.number, group=group.name, code=made.join_code
        )
    )
    for name, path in links.items():
        typer.echo(f"  {translate(name):<10} {urls.absolute(path)}")
    told = (
        _(
            "Group {slug} made; its admin token, shown this once — keep it secret, "
            "it creates the group's assemblies:"
        )
        if group.created
        else _(
            "Group {slug} was already there; its new admin token (the old one no longer works), "
            "shown this once — keep it secret, it creates the group's assemblies:"
        )
    )
    typer.echo(told.format(slug=group.slug) + f"\n  {group.admin_token}")


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
    from app.i18n import speaking
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
        with speaking(read.language):  # the minutes speak the assembly's language
            return render_markdown(read.minutes)
    if format is ExportFormat.html:
        env = make_environment(read.language)
        return render_minutes_html(env, read.minutes, seq=read.seq, language=read.language)
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
        typer.echo(_("no events for assembly {id}").format(id=assembly_id), err=True)
        raise typer.Exit(1)
    if output:
        output.write_text(text if text.endswith("\n") else text + "\n")
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")


# `verify` and `import` take the same --head (an import of an export not ending with it: none).
HEAD_OPTION = typer.Option(
    None,
    "--head",
    metavar="HASH",
    help="The head hash printed in the minutes (whole, or its first 12+ hex characters): "
    "the export must end with it.",
)


@cli.command()
def verify(
    file: Path,
    head: str | None = HEAD_OPTION,
) -> None:
    """Check an exported event file: every link of the hash chain, and the head."""
    _verified(file, head)


@cli.command("import")
def import_(
    file: Path,
    head: str | None = HEAD_OPTION,
) -> None:
    """Rebuild an assembly on this server from its event export, verified first (read-only here)."""
    from app.copies.importing import import_log
    from app.db import Database
    from app.errors import DomainError
    from app.web.urls import Urls

    events = _verified(file, head)
    settings = get_settings()
    db = Database(settings.database_url)
    try:
        imported = import_log(db=db, events=events)
    except DomainError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from exc
    finally:
        db.dispose()
    urls = Urls(settings.public_url)
    typer.echo(
        _(
            "imported “{title}” ({status}): {count} events, head seq {seq} hash {hash}; "
            "read-only on this server. Minutes: {minutes}"
        ).format(
            title=imported.title,
            status=imported.status,
            count=imported.events,
            seq=imported.head_seq,
            hash=imported.head_hash,
            minutes=(urls := Urls(settings.public_url)).absolute(
                urls.minutes(imported.assembly_id)
            ),
        )
    )


def _verified(file: Path, head: str | None) -> list[Any]:
    """The events of an export whose every link holds and, when given, whose last event is the
    head the minutes printed; said on stdout. Exit 1 (broken) or 2 (unreadable) otherwise."""
    from app.events import verify_chain
    from app.events.chain import parse_head_hash

    wanted = None
    if head is not None:
        try:
            wanted = parse_head_hash(head)
        except ValueError as exc:
            typer.echo(f"--head: {exc}", err=True)
            raise typer.Exit(2) from exc
    events, file_head = _read_export(file)
    bad = verify_chain(events, file_head)
    if bad is not None:
        typer.echo(_("chain broken at seq {seq}").format(seq=bad), err=True)
        raise typer.Exit(1)
    if head is None or wanted is None:  # both or neither
        _links_only(file, events)
    else:
        _compare_head(events, head, wanted)
    return events


def _read_export(file: Path) -> tuple[list[Any], Any]:
    """The events of an export file and the head it names (exit 2 when it cannot be read)."""
    try:
        data = json.loads(file.read_text())
        events = data["events"]
        file_head = data.get("head")
        if not isinstance(events, list):
            raise TypeError(_("events is not a list"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        typer.echo(_("cannot read {file}: {error}").format(file=file, error=exc), err=True)
        raise typer.Exit(2) from exc
    return events, file_head


def _last(events: list[Any]) -> Any:
    return events[-1] if events else {"seq": 0, "hash": "0" * 64}


def _links_only(file: Path, events: list[Any]) -> None:
    """Every link holds and no head was given: say so, and how to compare the head."""
    from app.events.chain import verify_command

    last = _last(events)
    typer.echo(
        _(
            "ok: {count} events, head seq {seq} hash {hash}. "
            "Checked the links only: an export edited and re-hashed from there on passes too; "
            "compare the head hash with the one printed in the minutes: {command}"
        ).format(
            count=len(events),
            seq=last["seq"],
            hash=last["hash"],
            command=verify_command(str(file), "HASH"),
        )
    )


def _compare_head(events: list[Any], head: str, wanted: str) -> None:
    """The export must end with the head the minutes printed (exit 1 when not, 2 if ambiguous)."""
    from app.events.chain import seqs_with_hash

    last = _last(events)
    found = seqs_with_hash(events, wanted)
    if len(found) > 1:
        typer.echo(
            _(
                "--head: {head!r} is the start of {count} hashes in this export "
                "(seqs {seqs}): give more of it"
            ).format(head=head, count=len(found), seqs=", ".join(map(str, found))),
            err=True,
        )
        raise typer.Exit(2)
    if found != [last["seq"]]:
        ends = (
            _(
                "the export ends at seq {seq} with hash {hash}, not the head {wanted} you "
                "compared against; that hash is seq {found}'s: the export was cut short after it"
            )
            if found
            else _(
                "the export ends at seq {seq} with hash {hash}, not the head {wanted} you "
                "compared against: it was edited or is not the same assembly"
            )
        )
        typer.echo(
            ends.format(
                seq=last["seq"], hash=last["hash"], wanted=wanted, found=found[0] if found else ""
            ),
            err=True,
        )
        raise typer.Exit(1)
    typer.echo(
        _("ok: {count} events, head seq {seq} hash {hash} is the head you compared against").format(
            count=len(events), seq=last["seq"], hash=last["hash"]
        )
    )


def main() -> None:
    cli()

"""The `miccheck` command: serve, db upgrade, demo, archive rebuild, export, verify."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import typer

from app.config import Settings, get_settings
from app.i18n import N_, _, ngettext, normal, set_current, translate

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


WORKERS_NEED_SHARED_STORAGE = N_(
    "miccheck serve: --workers {workers} needs PostgreSQL and Redis, and this server has {what}. "
    "SQLite lets one writer into the whole file at a time, so a second process adds lock "
    "contention and no throughput; the memory:// bus does not cross processes, so phones on one "
    "worker would never see changes made through another. One worker holds a 2,000-person "
    "assembly; for more, set MICCHECK_DATABASE_URL=postgresql+psycopg://… and "
    "MICCHECK_BROADCAST_URL=redis://host:6379/0, or run without --workers."
)
NO_LAN_ADDRESS = N_(
    "miccheck serve --lan: this machine has no network address phones could reach (only "
    "loopback). Join the venue's network (Wi-Fi or cable) and try again, or set "
    "MICCHECK_PUBLIC_URL to the address phones use."
)


class Refused(Exception):
    """`miccheck serve` cannot run as asked; the message says why (exit code 2)."""


@dataclass(frozen=True)
class ServePlan:
    """How `miccheck serve` runs: where it binds, the public URL, what workers inherit."""

    host: str
    public_url: str
    environment: dict[str, str]  # set before the workers start, so each reads the same
    join_link: str | None = None  # printed with a QR code (--lan)


def serve_plan(
    settings: Settings,
    *,
    host: str | None,
    port: int,
    workers: int,
    lan: bool,
    find_address: Callable[[], str | None] | None = None,
) -> ServePlan:
    """Check the options against the settings and say how to serve; `Refused` says why not.

    `find_address` finds this machine's LAN address for --lan (tests pass their own).
    """
    if workers < 1:
        raise Refused(_("miccheck serve: --workers must be 1 or more."))
    if workers > 1:
        shortfalls = []
        if settings.is_sqlite:
            shortfalls.append(_("a SQLite database"))
        if settings.broadcast_url.startswith("memory:"):
            shortfalls.append(_("the memory:// live bus"))
        if shortfalls:
            what = shortfalls[0]
            if len(shortfalls) > 1:
                what = _("{first} and {second}").format(first=shortfalls[0], second=shortfalls[1])
            raise Refused(translate(WORKERS_NEED_SHARED_STORAGE).format(workers=workers, what=what))
    environment: dict[str, str] = {}
    public_url = settings.public_url
    join_link = None
    if lan:
        host = host or "0.0.0.0"
        if "public_url" not in settings.model_fields_set:
            from app.web import lan as lan_module

            address = (find_address or lan_module.lan_address)()
            if address is None:
                raise Refused(translate(NO_LAN_ADDRESS))
            public_url = lan_module.public_url(address, port)
            environment["MICCHECK_PUBLIC_URL"] = public_url
        from app.web.urls import Urls

        urls = Urls(public_url)
        join_link = urls.absolute(urls.join())
    if workers > 1 and not settings.secret_key:
        # Each worker would otherwise read (or race to write) the key file on its own.
        environment["MICCHECK_SECRET_KEY"] = settings.resolved_secret_key()
    return ServePlan(
        host=host or "127.0.0.1",
        public_url=public_url,
        environment=environment,
        join_link=join_link,
    )


def terminal_qr(link: str) -> str:
    """A QR code of `link` drawn with block characters, for a terminal."""
    import io

    import segno

    out = io.StringIO()
    segno.make(link, error="m").terminal(out=out, compact=True)
    return out.getvalue()


@cli.command()
def serve(
    host: str | None = typer.Option(
        None, help="Address to bind [default: 127.0.0.1; 0.0.0.0 with --lan]."
    ),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(
        1, help="Worker processes; more than 1 needs PostgreSQL and Redis (DESIGN.md)."
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


@cli.command()
def verify(
    file: Path,
    head: str | None = typer.Option(
        None,
        "--head",
        metavar="HASH",
        help="The head hash printed in the minutes (whole, or its first 12+ hex characters): "
        "the export must end with it.",
    ),
) -> None:
    """Check an exported event file: every link of the hash chain, and the head."""
    from app.events import verify_chain
    from app.events.chain import parse_head_hash, seqs_with_hash, verify_command

    wanted = None
    if head is not None:
        try:
            wanted = parse_head_hash(head)
        except ValueError as exc:
            typer.echo(f"--head: {exc}", err=True)
            raise typer.Exit(2) from exc
    try:
        data = json.loads(file.read_text())
        events = data["events"]
        file_head = data.get("head")
        if not isinstance(events, list):
            raise TypeError(_("events is not a list"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        typer.echo(_("cannot read {file}: {error}").format(file=file, error=exc), err=True)
        raise typer.Exit(2) from exc
    bad = verify_chain(events, file_head)
    if bad is not None:
        typer.echo(_("chain broken at seq {seq}").format(seq=bad), err=True)
        raise typer.Exit(1)
    last = events[-1] if events else {"seq": 0, "hash": "0" * 64}
    if wanted is None:
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
        return
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

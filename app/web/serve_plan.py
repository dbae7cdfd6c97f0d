"""How `miccheck serve` runs, checked before anything starts: where it binds, the address
phones are sent to, what the workers inherit; or why it refuses (`Refused`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from app.config import Settings
from app.i18n import N_, _, translate

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

"""The one place that builds Mic Check's URLs."""

from __future__ import annotations

from urllib.parse import quote, urlencode


class Urls:
    """Paths of the pages and APIs; absolute links use the public URL phones reach."""

    def __init__(self, public_url: str) -> None:
        self.public_url = public_url.rstrip("/")

    def absolute(self, path: str) -> str:
        return self.public_url + path

    def home(self) -> str:
        return "/"

    def groups(self) -> str:
        """Where the plain form that starts a standing group posts."""
        return "/groups"

    def join(self, code: str | None = None) -> str:
        return f"/j/{quote(code)}" if code else "/join"

    def phone(self, assembly_id: str, key: str | None = None) -> str:
        """The phone page; with `key` (a participant's token) the link that signs them in."""
        return self._with_key(f"/a/{quote(assembly_id)}", key)

    def console(self, assembly_id: str, key: str | None = None) -> str:
        return self._with_key(f"/a/{quote(assembly_id)}/console", key)

    def projector(self, assembly_id: str, key: str | None = None) -> str:
        return self._with_key(f"/a/{quote(assembly_id)}/projector", key)

    def minutes(self, assembly_id: str) -> str:
        return f"/a/{quote(assembly_id)}/minutes"

    def minutes_formats(self, assembly_id: str) -> dict[str, str]:
        """The minutes' Markdown, printable HTML and JSON (docs/api.md "Minutes")."""
        base = f"/api/assemblies/{quote(assembly_id)}/minutes"
        return {"md": base + ".md", "html": base + ".html", "json": base}

    def archive(self, params: dict[str, str] | None = None) -> str:
        """/archive, with a search's GET parameters when given."""
        return "/archive" + (f"?{urlencode(params)}" if params else "")

    def archive_decision(self, proposal_id: int, code: str | None = None) -> str:
        """A decision's permanent page (a private one keeps its join code)."""
        path = f"/archive/decisions/{proposal_id}"
        return f"{path}?{urlencode({'code': code})}" if code else path

    def archive_group(
        self,
        slug: str,
        working_group: str | None = None,
        params: dict[str, str] | None = None,
    ) -> str:
        """A group's archive, or one of its working group's (by key)."""
        path = f"/archive/{quote(slug)}"
        if working_group:
            path += f"/{quote(working_group)}"
        return path + (f"?{urlencode(params)}" if params else "")

    def archive_feed(self, slug: str, working_group: str | None = None) -> str:
        """The Atom feed of a group's (or a working group's) decisions."""
        return self.archive_group(slug, working_group) + "/feed.atom"

    def events(self, assembly_id: str) -> str:
        """The hash-chained event export (anyone's once the assembly is closed and public)."""
        return f"/api/assemblies/{quote(assembly_id)}/events"

    def verify(self, head: str | None = None) -> str:
        """The page that checks an events export in the browser; `head` fills in the head hash
        to check it against."""
        return "/verify" + (f"?{urlencode({'head': head})}" if head else "")

    def action(self, assembly_id: str, *parts: str | int) -> str:
        """A page form's target: /a/{id}/part/part…"""
        tail = "/".join(quote(str(p)) for p in parts)
        return f"/a/{quote(assembly_id)}/{tail}"

    def socket(self, assembly_id: str, view: str, since: int) -> str:
        return f"/ws/assemblies/{quote(assembly_id)}?" + urlencode({"view": view, "since": since})

    @staticmethod
    def _with_key(path: str, key: str | None) -> str:
        return f"{path}?{urlencode({'key': key})}" if key else path

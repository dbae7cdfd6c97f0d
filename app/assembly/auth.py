"""Secrets of an assembly: participant tokens and projector keys (stored only as hashes)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlmodel import select

from app.assembly.models import Assembly, Participant, RoleGrant
from app.db import Database
from app.errors import Forbidden, NotFound, Unauthorized
from app.i18n import _


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """High-entropy tokens need no slow hash; SHA-256 keeps them out of the database."""
    return hashlib.sha256(secret.encode()).hexdigest()


def projector_key_for(server_secret: str, assembly_id: str) -> str:
    """An assembly's projector key derived from the server's secret (HMAC-SHA256, as long as
    a token): only its hash is stored, yet any facilitator's console can show it again."""
    digest = hmac.new(
        server_secret.encode(), f"projector-key:{assembly_id}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def recover_projector_key(*, db: Database, assembly_id: str, server_secret: str) -> str | None:
    """The projector key again, when the assembly's was derived from this server's secret;
    None for one made with a random key (before keys were derived) or under another secret."""
    key = projector_key_for(server_secret, assembly_id)
    try:
        check_projector_key(db=db, assembly_id=assembly_id, key=key)
    except Forbidden:
        return None
    return key


@dataclass(frozen=True)
class Member:
    """Who is acting: a participant of one assembly, with the roles they hold right now."""

    assembly_id: str
    participant_id: int
    name: str
    status: str
    roles: frozenset[str]
    pronouns: str | None = None
    muted: bool = False  # no hands, no amendments (app/people/service.py)

    @property
    def admitted(self) -> bool:
        return self.status == "admitted"

    @property
    def on_console(self) -> bool:
        return bool(self.roles)


def authenticate(*, db: Database, assembly_id: str, token: str | None) -> Member:
    """The participant behind a token, for this assembly; 401 when the token is not theirs."""
    if not token:
        raise Unauthorized(_("Join the assembly first (no session or token was sent)."))
    return authenticate_hash(db=db, assembly_id=assembly_id, token_hash=hash_secret(token))


def authenticate_hash(*, db: Database, assembly_id: str, token_hash: str | None) -> Member:
    """The participant whose token has this hash (what a browser session keeps), looked up
    on every request: a reissued token or a removed person ends every session holding it."""
    if not token_hash:
        raise Unauthorized(_("Join the assembly first (no session or token was sent)."))
    digest = token_hash
    with db.read() as session:
        participant = session.exec(
            select(Participant).where(Participant.token_hash == digest)
        ).first()
        if (
            participant is None
            or participant.token_hash is None
            or not hmac.compare_digest(participant.token_hash, digest)
            or participant.assembly_id != assembly_id
        ):
            raise Unauthorized(_("This session or token is not valid for this assembly."))
        if participant.status == "removed":
            raise Forbidden(
                _("A facilitator removed you from this assembly; this link no longer works."),
                code="removed",
            )
        roles = session.exec(
            select(RoleGrant.role).where(RoleGrant.participant_id == participant.id)
        ).all()
    assert participant.id is not None
    return Member(
        assembly_id=assembly_id,
        participant_id=participant.id,
        name=participant.name,
        status=participant.status,
        roles=frozenset(roles),
        pronouns=participant.pronouns,
        muted=participant.muted,
    )


def check_projector_key(*, db: Database, assembly_id: str, key: str | None) -> None:
    """The projector is opened with its own key; 403 for a wrong one."""
    check_projector_key_hash(
        db=db, assembly_id=assembly_id, key_hash=hash_secret(key) if key else None
    )


def check_projector_key_hash(*, db: Database, assembly_id: str, key_hash: str | None) -> None:
    """As check_projector_key, by the key's hash (what a browser session keeps)."""
    with db.read() as session:
        assembly = session.get(Assembly, assembly_id)
    if assembly is None:
        raise NotFound(_("There is no assembly at this address."))
    if not key_hash or not hmac.compare_digest(assembly.projector_key_hash, key_hash):
        raise Forbidden(_("This projector key is not valid for this assembly."), code="bad_key")

"""Reading amendments as the screens show them: what each changes in the current text, in a
line and with a little context, and one amendment in full on its own page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select

from app.blocks.diff import Piece, cached_word_diff, diff_summary, excerpt, one_line
from app.blocks.models import Amendment, Proposal, ProposalVersion
from app.db import Database
from app.errors import NotFound
from app.i18n import _


def assembly_of_amendment(*, db: Database, amendment_id: int) -> str:
    with db.read() as session:
        amendment = session.get(Amendment, amendment_id)
        proposal = session.get(Proposal, amendment.proposal_id) if amendment else None
    if proposal is None:
        raise NotFound(_("There is no such amendment."), code="amendment_not_found")
    return proposal.assembly_id


# What the screens show of a waiting amendment, whatever its length: its first changed line,
# and behind a tap its changes with a little context; the whole of it is one link away.
GIST_CHARS, GIST_CONTEXT = 120, 30
MORE_CHARS, MORE_CONTEXT, WHY_CHARS = 400, 40, 200


@dataclass(frozen=True)
class AmendmentView:
    id: int
    by: str
    text: str
    rationale: str | None
    status: str
    based_on_version: int
    pieces: tuple[Piece, ...]

    @property
    def summary(self) -> str:
        """What it changes in a line, in the current language (a screen's)."""
        return diff_summary(self.pieces)

    @property
    def gist(self) -> tuple[Piece, ...]:
        """Its first change, on one line, at most GIST_CHARS characters."""
        return one_line(excerpt(self.pieces, limit=GIST_CHARS, context=GIST_CONTEXT)[0])

    @property
    def short_rationale(self) -> str | None:
        """Its rationale, cut at WHY_CHARS characters (the whole of it is on its own page)."""
        why = self.rationale
        if why is None or len(why) <= WHY_CHARS:
            return why
        return why[: WHY_CHARS - 1].rstrip() + "…"

    @property
    def more(self) -> tuple[tuple[Piece, ...], bool]:
        """Its changes with context, at most MORE_CHARS characters; whether some were left out."""
        return excerpt(self.pieces, limit=MORE_CHARS, context=MORE_CONTEXT)


@dataclass(frozen=True)
class AmendmentPage:
    """One amendment in full, against the proposal's current text (its own page)."""

    assembly_id: str
    proposal_title: str
    presenter_name: str
    version: int
    amendment: AmendmentView


def read_amendment(*, db: Database, assembly_id: str, amendment_id: int) -> AmendmentPage:
    """The whole of one amendment of this assembly (404 for another assembly's)."""
    with db.read() as session:
        amendment = session.get(Amendment, amendment_id)
        proposal = session.get(Proposal, amendment.proposal_id) if amendment else None
        if amendment is None or proposal is None or proposal.assembly_id != assembly_id:
            raise NotFound(_("There is no such amendment."), code="amendment_not_found")
        current = session.exec(
            select(ProposalVersion).where(
                ProposalVersion.proposal_id == proposal.id,
                ProposalVersion.number == proposal.version,
            )
        ).one()
    return AmendmentPage(
        assembly_id=assembly_id,
        proposal_title=proposal.title,
        presenter_name=proposal.presenter_name,
        version=proposal.version,
        amendment=amendment_view(amendment, current.text),
    )


def amendment_view(amendment: Amendment, current_text: str) -> AmendmentView:
    """An amendment as screens show it: what it changes in the current text."""
    pieces = cached_word_diff(current_text, amendment.text)
    return AmendmentView(
        id=amendment.id or 0,
        by=amendment.proposer_name,
        text=amendment.text,
        rationale=amendment.rationale,
        status=amendment.status,
        based_on_version=amendment.based_on_version,
        pieces=pieces,
    )

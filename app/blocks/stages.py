"""The stage machine: a proposal's way through the assembly.

docs/process.md "A proposal's way through the assembly": the table of moves, which rounds open in
which stage, when friendly amendments are taken, where closing a call leaves the proposal.
Pure: no database, no clock, no I/O. The answers and the arithmetic of outcomes are in
`app.blocks.tally`.
"""

from __future__ import annotations

from app.blocks.tally import PASSES, ROUND_KINDS
from app.errors import Conflict, Invalid
from app.i18n import N_, _, ngettext, translate

DISCUSSION_STAGES = ("clarifying_questions", "concerns", "amendments", "temperature_check")
STAGES = ("presented", *DISCUSSION_STAGES, "consensus_call", "block_discussion", "decided")
AMENDMENT_STAGES = ("concerns", "amendments", "block_discussion")
# Outcomes the facilitator (or presenter, for withdrawn) gives by moving to `decided`.
DECIDE_BY_HAND = ("tabled", "withdrawn", "blocked")
AMENDMENT_DECIDED = {
    "accepted": N_("This amendment was already accepted."),
    "rejected": N_("This amendment was already rejected."),
}
PRESENTER_NAME_MAX = 60


def default_presenter(
    *, working_group: str | None, facilitator_id: int, facilitator_name: str
) -> tuple[int | None, str]:
    """Who presents a proposal put forward without a presenter: its working group when it has
    one (by name: nobody's phone), else the facilitator who put it forward (their phone)."""
    if working_group:
        if len(working_group) > PRESENTER_NAME_MAX:
            working_group = working_group[: PRESENTER_NAME_MAX - 1].rstrip() + "…"
        return None, working_group
    return facilitator_id, facilitator_name


def _check_stage(stage: str) -> None:
    if stage not in STAGES:
        raise Invalid(
            _("A stage is one of: {choices}.").format(choices=", ".join(STAGES)), code="bad_stage"
        )


def _stage_moves(stage: str) -> tuple[str, ...]:
    """docs/process.md's table of moves, ignoring open rounds."""
    if stage == "decided":
        return ()
    if stage in DISCUSSION_STAGES:
        targets = (*(s for s in DISCUSSION_STAGES if s != stage), "consensus_call")
    else:  # presented, consensus_call (a re-call) and block_discussion all reach these
        targets = (*DISCUSSION_STAGES, "consensus_call")
    return (*targets, "decided")


def allowed_moves(stage: str, *, round_open: bool) -> tuple[str, ...]:
    """The stages a proposal may move to from `stage`; none while a round is open."""
    _check_stage(stage)
    return () if round_open else _stage_moves(stage)


def _decide_outcomes(stage: str) -> tuple[str, ...]:
    return DECIDE_BY_HAND if stage == "block_discussion" else DECIDE_BY_HAND[:2]


def describe_moves(stage: str) -> str:
    """The allowed moves in a sentence, for the 409 and the console."""
    moves = _stage_moves(stage)
    if not moves:
        return _("A decided proposal does not move.")
    named = [
        _("decided ({outcomes})").format(outcomes=_or_list(_decide_outcomes(stage)))
        if m == "decided"
        else m
        for m in moves
    ]
    return _("From {stage} a proposal can move to {moves}.").format(
        stage=stage, moves=_or_list(named)
    )


def _or_list(words: tuple[str, ...] | list[str]) -> str:
    if len(words) == 1:
        return words[0]
    return _("{words} or {last}").format(words=", ".join(words[:-1]), last=words[-1])


def check_move(
    stage: str,
    to: str,
    *,
    round_open: bool,
    outcome: str | None = None,
    tabled_to: str | None = None,
) -> None:
    """Refuse a stage move docs/process.md's table does not allow (409 naming the allowed moves).

    Moving to `decided` needs an outcome: `tabled` (with `tabled_to`), `withdrawn`, or
    from `block_discussion` `blocked`. An empty `tabled_to` counts as none.
    """
    _check_stage(stage)
    _check_stage(to)
    if to not in _stage_moves(stage):
        raise Conflict(describe_moves(stage), code="stage_not_allowed")
    if round_open:
        raise Conflict(
            _("A stage cannot change while a round is open; close the round first."),
            code="round_open",
        )
    has_destination = bool(tabled_to and tabled_to.strip())
    if to != "decided":
        if outcome is not None or has_destination:
            raise Invalid(
                _("An outcome is given only when deciding a proposal."), code="outcome_not_expected"
            )
        return
    if outcome is None:
        raise Invalid(
            _("Deciding needs an outcome: {outcomes}.").format(
                outcomes=_or_list(_decide_outcomes(stage))
            ),
            code="outcome_required",
        )
    if outcome not in DECIDE_BY_HAND:
        raise Invalid(
            _("A proposal is decided by hand as {outcomes}.").format(
                outcomes=_or_list(DECIDE_BY_HAND)
            ),
            code="bad_outcome",
        )
    if outcome not in _decide_outcomes(stage):
        raise Conflict(
            _("A block can be upheld only in block discussion.") + " " + describe_moves(stage),
            code="stage_not_allowed",
        )
    if outcome == "tabled" and not has_destination:
        raise Invalid(
            _('Tabling needs a destination: a working group or "a later assembly".'),
            code="tabled_to_required",
        )
    if outcome != "tabled" and has_destination:
        raise Invalid(_("Only a tabled proposal has a destination."), code="outcome_not_expected")


# ---- rounds and amendments -------------------------------------------------------------------


def check_round_kind(
    stage: str,
    kind: str,
    *,
    fallback: bool = False,
    blocked_before: bool = False,
    rule_kind: str | None = None,
) -> None:
    """Refuse a round the stage does not take (409).

    Temperature rounds in any discussion stage, consensus rounds in consensus_call, block
    reviews in block_discussion. A fallback vote is a consensus round under rule
    modified_consensus after a blocked call on this proposal (`blocked_before`).
    """
    _check_stage(stage)
    if kind not in ROUND_KINDS:
        raise Invalid(
            _("A round is one of: {choices}.").format(choices=", ".join(ROUND_KINDS)),
            code="bad_kind",
        )
    where = {
        "temperature": (
            N_("A temperature round is opened in any discussion stage, not in {stage}."),
            DISCUSSION_STAGES,
        ),
        "consensus": (
            N_("A consensus round is opened in consensus_call, not in {stage}."),
            ("consensus_call",),
        ),
        "block_review": (
            N_("A block_review round is opened in block_discussion, not in {stage}."),
            ("block_discussion",),
        ),
    }
    message, stages = where[kind]
    if stage not in stages:
        raise Conflict(
            translate(message).format(stage=stage),
            code="round_not_allowed",
        )
    if not fallback:
        return
    if kind != "consensus":
        raise Conflict(
            _("Only a consensus round can be a fallback vote."), code="fallback_not_allowed"
        )
    if rule_kind != "modified_consensus":
        raise Conflict(
            _(
                "A fallback vote exists only under modified consensus; "
                "under consensus a block stands."
            ),
            code="fallback_not_allowed",
        )
    if not blocked_before:
        raise Conflict(
            _("A fallback vote comes only after a blocked call on this proposal."),
            code="fallback_not_allowed",
        )


def check_amendment_allowed(
    stage: str, *, amendments_open: bool, rounds_so_far: int, max_rounds: int | None
) -> None:
    """Refuse a new friendly amendment the stage or the facilitator does not take now (409)."""
    _check_stage(stage)
    if stage not in AMENDMENT_STAGES:
        raise Conflict(
            _("Friendly amendments are proposed in {stages}, not in {stage}.").format(
                stages=_or_list(AMENDMENT_STAGES), stage=stage
            ),
            code="amendment_not_allowed",
        )
    if not amendments_open:
        raise Conflict(_("The facilitator has stopped new amendments."), code="amendments_closed")
    check_amendment_cap(accepted=rounds_so_far, max_rounds=max_rounds)


def check_waiting_amendments(*, waiting: int, most: int) -> None:
    """One person has at most `most` amendments waiting on a proposal: the presenter reads each
    one aloud, so more from one phone would only crowd the others out (409)."""
    if waiting >= most:
        raise Conflict(
            ngettext(
                "You have {num} amendment waiting; wait for the presenter to take them up.",
                "You have {num} amendments waiting; wait for the presenter to take them up.",
                waiting,
            ).format(num=waiting),
            code="amendments_waiting",
        )


def check_amendment_cap(*, accepted: int, max_rounds: int | None) -> None:
    """With a cap on amendment rounds, each accepted amendment uses one (409 when used up)."""
    if max_rounds is not None and accepted >= max_rounds:
        raise Conflict(
            _("This proposal allows {num} amendment round(s); they have been used.").format(
                num=max_rounds
            ),
            code="amendment_rounds_used",
        )


def check_amendment_decision(stage: str, *, round_open: bool, status: str = "proposed") -> None:
    """Accepting or rejecting an amendment: only a pending one, with no round open (409)."""
    _check_stage(stage)
    if status != "proposed":
        raise Conflict(
            translate(
                AMENDMENT_DECIDED.get(status, N_("This amendment was already {status}."))
            ).format(status=status),
            code="amendment_decided",
        )
    if stage == "decided":
        raise Conflict(_("The proposal is decided; its text no longer changes."), code="decided")
    if round_open:
        raise Conflict(
            _("Amendments are accepted or rejected when no round is open."), code="round_open"
        )


def next_stage_after(outcome: str, *, fallback: bool) -> str:
    """Where closing a consensus round leaves the proposal."""
    if outcome in PASSES:
        return "decided"
    if outcome == "blocked":
        return "block_discussion"
    if outcome == "not_enough_support" and fallback:
        return "decided"
    if outcome in ("not_enough_support", "no_quorum"):
        return "consensus_call"  # the facilitator's next move
    raise ValueError(f"not a round outcome: {outcome!r}")

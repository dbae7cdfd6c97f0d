"""The facts a service announces after its commit: what changed, in the assembly's own terms.

Services never name screen regions: the web layer maps each fact to the regions that show it
(app/web/facts.py), and the live hub pushes those. The facts live here, on the ground floor, so
any package may announce any of them without importing another's service. Markers that are not
facts pass through as they are (`seat:<id>` closes a person's sockets, `signal:…` carries a
hand signal).
"""

from __future__ import annotations

AGENDA = "agenda"  # the agenda's items: added, their states and time used
OPEN_ITEM = "open_item"  # which item is open (and so which proposal and round are current)
PEOPLE = "people"  # who is in: joined, admitted, removed, muted, given a new link
DOOR = "door"  # who waits at the door to be let in
ROLES = "roles"  # who holds which role
ELIGIBLE = "eligible"  # how many may answer a round: people in, or the headcount
HANDS = "hands"  # the speaking stack's hands up, and what the stack allows now
FLOOR = "floor"  # the turn on the floor and its timer
TURNS = "turns"  # the turns taken: who has spoken, how often, how long
PROPOSAL = "proposal"  # a proposal's text, stage, amendments or wall page
ROUND = "round"  # a round opened, closed or recalled
ANSWERS = "answers"  # the open round's answers and hands counted in the room
MINUTES = "minutes"  # notes, action items, and what the minutes keep
MIC = "mic"  # the people's mic: its text and the phrase on the wall
WORDS = "words"  # the assembly's languages or its own words: every screen shows words
CLOSED = "closed"  # the assembly closed: every screen shows it over
MIRRORS = "mirrors"  # a mirror announced: phones learn where to go when the primary stops

ALL = frozenset(
    {AGENDA, OPEN_ITEM, PEOPLE, DOOR, ROLES, ELIGIBLE, HANDS, FLOOR, TURNS}
    | {PROPOSAL, ROUND, ANSWERS, MINUTES, MIC, WORDS, CLOSED, MIRRORS}
)

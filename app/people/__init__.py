"""What the facilitator, greeters and stack keepers do to one person: a new link, removal, and
muting. Above the stack, whose hands and floor a removal or a mute takes away (layers:
docs/architecture.md); joining, admission and roles stay with the assembly."""

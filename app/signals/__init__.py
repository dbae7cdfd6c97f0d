"""The room's hand signals while someone speaks: up-twinkles, so-so, down-twinkles. Ambient and
anonymous: never a vote, never stored with a name."""

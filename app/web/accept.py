"""The Accept-* request headers: each token with its q weight, as the client listed them."""

from __future__ import annotations

MAX_TOKENS = 32  # a header listing more is not a browser's


def weighted(header: str) -> list[tuple[str, float]]:
    """[(token, q)] of an Accept-Encoding or Accept-Language header, in order; a bad q is 0."""
    found: list[tuple[str, float]] = []
    for part in header.split(",")[:MAX_TOKENS]:
        token, _sep, params = part.partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _eq, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if token.strip():
            found.append((token.strip(), quality))
    return found

"""The evening's running order: items added, opened and closed, the time each used, and the
assembly closed at the end. Above the stack, the proposals' rounds and the archive, which an
item's opening and the assembly's closing coordinate (layers: docs/architecture.md)."""

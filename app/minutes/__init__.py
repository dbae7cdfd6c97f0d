"""Minutes: the minute taker's notes and the minutes folded from the event log, in JSON,
Markdown and printable HTML."""

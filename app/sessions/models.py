"""The table of browser sessions: per session, the hashes of what the browser opened."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel


class BrowserSessionRecord(SQLModel, table=True):
    """One browser's session. `id` is the SHA-256 of the id in its cookie (a copy of this table
    opens no session); `seats_json` maps an assembly's id to the hashes the browser holds for it
    (app/sessions/logic.py `Seat`): never a token or a key itself."""

    __tablename__ = "browser_session"

    id: str = Field(primary_key=True, max_length=64)
    seats_json: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime = Field(index=True)  # expired rows are deleted a batch at a time

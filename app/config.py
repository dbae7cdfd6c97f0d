"""Every setting of Mic Check, in one place, read from MICCHECK_* environment variables."""

from __future__ import annotations

import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PLACEHOLDER_SECRETS = {"", "changeme", "change-me", "secret", "dev"}


class Settings(BaseSettings):
    """Mic Check's settings; each description is the one-line help and the README row."""

    model_config = SettingsConfigDict(env_prefix="MICCHECK_", extra="ignore")

    database_url: str = Field(
        "sqlite:///./miccheck.db",
        description="SQLAlchemy URL of the database: SQLite file or postgresql+psycopg://…",
    )
    secret_key: str | None = Field(
        None,
        description="Signs session cookies and derives projector keys; when unset, generated "
        "once and kept beside the SQLite database (or in the working folder).",
    )
    environment: Literal["development", "production"] = Field(
        "development",
        description="`production` refuses to start without a real MICCHECK_SECRET_KEY and "
        "marks cookies Secure.",
    )
    public_url: str = Field(
        "http://127.0.0.1:8000",
        description="The address phones use to reach this server: join links and the "
        "projector's QR code.",
    )
    broadcast_url: str = Field(
        "memory://",
        description="Live-update bus: `memory://` for one process, `redis://host:6379/0` "
        "for several.",
    )
    forwarded_allow_ips: str = Field(
        "",
        description="Addresses (comma-separated, or *) whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed: your proxy's, e.g. 127.0.0.1 behind a local nginx; "
        "empty believes nobody.",
    )
    ws_compression: bool = Field(
        False,
        description="Compress websocket messages (saves bandwidth, costs CPU and memory "
        "per socket).",
    )
    ws_max_frame_bytes: int = Field(
        4096,
        ge=64,
        description="Largest websocket frame a client may send, in bytes; uvicorn closes the "
        "socket with 1009 past it.",
    )
    phone_pushes_per_second: float = Field(
        4.0, gt=0, description="At most this many live pushes a second to phones."
    )
    screen_pushes_per_second: float = Field(
        10.0, gt=0, description="At most this many live pushes a second to projector and console."
    )
    heartbeat_seconds: float = Field(
        15.0, gt=0, description="Seconds between heartbeats carrying the current seq."
    )
    send_timeout_seconds: float = Field(
        5.0, gt=0, description="A socket whose send takes longer is closed (1013) and reconnects."
    )
    assemblies_per_hour: int = Field(
        30, ge=1, description="Assemblies one address may create per hour."
    )
    joins_per_minute: int = Field(
        1200,
        ge=1,
        description="Joins one address may make per minute once its burst is spent (a venue's "
        "phones share one address).",
    )
    join_burst: int = Field(
        2500,
        ge=1,
        description="Joins one address may make at once: a full venue behind one address "
        "joining together.",
    )
    session_days: int = Field(
        30,
        ge=1,
        le=400,
        description="Days a browser session lasts since it was last used (extended at most "
        "once an hour); an expired one is refused like none, and the person opens their link "
        "again.",
    )
    code_misses_per_minute: int = Field(
        20,
        ge=1,
        description="Join codes matching no assembly one address may try per minute; past it "
        "every lookup by code from that address is refused (429) until the minute is up.",
    )
    person_burst: int = Field(
        30,
        ge=1,
        description="Answers, hands raised or lowered, amendments, notes or action items one "
        "person may send at once, each kind counted on its own, before the per-minute rate "
        "applies (429 past it): a stack keeper's or minute taker's quickest run of clicks fits.",
    )
    person_actions_per_minute: int = Field(
        60,
        ge=1,
        description="Of each kind, what one person may send per minute once the burst is spent: "
        "one a second, faster than anyone can answer, type or click for a whole minute, slow "
        "enough that one phone cannot flood every screen with events.",
    )
    pending_amendments_per_person: int = Field(
        3,
        ge=1,
        description="Friendly amendments one person may have waiting on one proposal (409 past "
        "it) until the presenter takes one up: the presenter reads each aloud.",
    )
    ack_after_mirror: bool = Field(
        False,
        description="A change is acknowledged only once a mirror has stored it (else 503 "
        "`not_mirrored` after 3 s; the change is kept): a take-over then loses no "
        "acknowledged change. Off: no wait, and the console shows what a take-over would lose.",
    )

    @model_validator(mode="after")
    def _refuse_placeholder_secret(self) -> Settings:
        if self.environment == "production" and (
            self.secret_key is None or self.secret_key.strip().lower() in PLACEHOLDER_SECRETS
        ):
            raise ValueError("MICCHECK_SECRET_KEY must be set to a real secret in production")
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def resolved_secret_key(self) -> str:
        """The configured secret, or one generated once and kept on disk so sessions survive
        restarts."""
        if self.secret_key:
            return self.secret_key
        path = self._secret_path()
        if path.exists():
            return path.read_text().strip()
        key = secrets.token_urlsafe(48)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(key)
        path.chmod(0o600)
        return key

    def _secret_path(self) -> Path:
        prefix = "sqlite:///"
        if self.database_url.startswith(prefix) and ":memory:" not in self.database_url:
            db_file = Path(self.database_url[len(prefix) :])
            return db_file.parent / ".miccheck-secret"
        return Path(".miccheck-secret")


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (tests build their own `Settings`)."""
    return Settings()

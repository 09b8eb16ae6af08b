"""Settings from IDSTREAM_* environment variables (injected, never read from a module global)."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_database_url() -> str:
    return f"sqlite:///{Path('data') / 'idstream.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="IDSTREAM_", extra="ignore")

    database_url: str = Field(default_factory=default_database_url)
    host: str = "127.0.0.1"
    port: int = 9011
    kickstart_file: str | None = Field(
        default=None,
        validation_alias=AliasChoices("IDSTREAM_KICKSTART_FILE", "FUSIONAUTH_APP_KICKSTART_FILE"),
    )
    # Largest request body accepted, in bytes; larger bodies get a 400, never a 500.
    max_body_bytes: int = 1_048_576
    # Secret that signs admin session cookies; generated per database when not set.
    session_secret: str | None = None
    # Background workers (dispatcher, relay, e-mail, pruning) run inside `serve` unless disabled,
    # which tests do so that they can drive each worker's run_once() themselves.
    run_workers: bool = True
    # Webhook delivery
    webhook_deny_private: bool = False
    webhook_retry_initial_seconds: float = 0.5
    webhook_retry_max_seconds: float = 600.0
    webhook_give_up_seconds: float = 3 * 24 * 3600.0
    # Event store retention: delivered events older than this are pruned.
    event_retention_days: float = 7.0

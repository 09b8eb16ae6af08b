"""The `idstream` command: serve, migrate, api-key; features add their own command groups."""

from __future__ import annotations

import logging
from typing import Annotated

import typer
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from idstream.config import Settings
from idstream.db import Database

app = typer.Typer(
    help="idstream: identity and user management whose every event reaches Kafka and webhooks.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
api_key_app = typer.Typer(
    help="Manage API keys from the shell (for headless set-ups).", no_args_is_help=True
)
app.add_typer(api_key_app, name="api-key")


def fail(message: str, code: int = 1) -> typer.Exit:
    """One line on stderr and a non-zero exit: never a traceback."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def safe_url(url: str) -> str:
    """The database URL for a message: never its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(an unreadable IDSTREAM_DATABASE_URL)"


def first_line(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]


def prepare(settings: Settings) -> Database:
    """Open the database, apply pending migrations and seed it on first start."""
    # Imported here: alembic is slow to import and most commands never migrate.
    from idstream import migrate as migrations
    from idstream.system import bootstrap

    db = Database(settings.database_url)
    try:
        migrations.upgrade(db)
        bootstrap.initialize(db)
    except Exception as error:
        where = safe_url(settings.database_url)
        raise fail(f"cannot prepare the database at {where}: {first_line(error)}") from None
    return db


def open_existing(settings: Settings) -> Database:
    """Open the database for a command that only reads or re-sends: it is never migrated
    (a newer CLI pointed at production must not change its schema)."""
    db = Database(settings.database_url)
    try:
        ready = inspect(db.engine).has_table("events")
    except Exception as error:
        db.dispose()
        where = safe_url(settings.database_url)
        raise fail(f"cannot open the database at {where}: {first_line(error)}") from None
    if not ready:
        db.dispose()
        where = safe_url(settings.database_url)
        raise fail(f"the database at {where} has no idstream tables; run `idstream migrate`")
    return db


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            envvar="IDSTREAM_WORKERS",
            help="Server processes; one per core uses every core (they share the database "
            "as separate instances do).",
        ),
    ] = 1,
) -> None:
    """Apply pending migrations, run the kickstart file if any, and serve the API and UI.

    Example: IDSTREAM_DATABASE_URL=postgresql+psycopg://me@/idstream idstream serve --port 9011
    """
    import uvicorn

    from idstream.app import create_app
    from idstream.kickstart.runner import KickstartError
    from idstream.kickstart.runner import run as run_kickstart

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    settings = Settings()
    db = prepare(settings)
    application = create_app(settings, db)
    if settings.kickstart_file:
        try:
            result = run_kickstart(db, application, settings.kickstart_file)
        except KickstartError as error:
            raise fail(str(error)) from None
        if result.ran:
            typer.echo(
                f"kickstart: ran {result.requests} request(s) from {settings.kickstart_file}"
            )
        else:
            typer.echo(f"kickstart: skipped ({result.reason})")
    listen_host, listen_port = host or settings.host, port or settings.port
    if workers == 1:
        uvicorn.run(
            application, host=listen_host, port=listen_port, log_level="info", proxy_headers=False
        )
        return
    # Several processes each build their own app (and workers: the Kafka relay's lease and
    # the dispatcher's claims already let instances share one database).
    db.dispose()
    uvicorn.run(
        "idstream.asgi:create",
        factory=True,
        workers=workers,
        host=listen_host,
        port=listen_port,
        log_level="info",
        proxy_headers=False,
    )


@app.command()
def migrate() -> None:
    """Apply pending database migrations and exit.

    Example: IDSTREAM_DATABASE_URL=sqlite:///data/idstream.db idstream migrate
    """
    prepare(Settings())
    typer.echo("database is up to date")


@api_key_app.command("create")
def api_key_create(
    tenant: Annotated[str | None, typer.Option(help="Limit the key to this tenant id.")] = None,
    description: Annotated[str | None, typer.Option(help="Shown as the audit log's user.")] = None,
) -> None:
    """Create an API key and print it once; it cannot be read again.

    Example: idstream api-key create --description "provisioning script"
    """
    from idstream.auth import apikeys
    from idstream.errors import ValidationFailed

    db = prepare(Settings())
    api_key: dict = {"tenantId": tenant}
    if description:
        api_key["metaData"] = {"attributes": {"description": description}}
    try:
        with db.unit_of_work() as session:
            key, raw = apikeys.create(session, api_key)
    except ValidationFailed as error:
        raise fail(error.summary()) from None
    typer.echo(raw)
    typer.echo(f"(id {key.id}; store the key now: it is not shown again)", err=True)


# Feature command groups; imported last because they use fail() and prepare() above.
from idstream.cli_kafka import kafka_app  # noqa: E402

app.add_typer(kafka_app, name="kafka")
from idstream.events.cli import events_app  # noqa: E402

app.add_typer(events_app, name="events")

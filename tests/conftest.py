"""Shared fixtures: a migrated database per test on SQLite and on PostgreSQL, the app, an
API client with an unrestricted key."""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from idstream import migrate
from idstream.app import create_app
from idstream.auth import apikeys
from idstream.config import Settings
from idstream.db import Database
from idstream.models import metadata
from idstream.system import bootstrap

pytest_plugins = ["tests.kafka_fixtures"]

BACKENDS = ("sqlite", "postgres")


def require_or_skip(reason: str) -> None:
    """Locally a missing service skips its tests; under `make test` it fails them."""
    if os.environ.get("IDSTREAM_TEST_REQUIRE_SERVICES"):
        pytest.fail(f"{reason} (make test starts it; see scripts/test)")
    pytest.skip(reason)


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test: far quicker than migrating each time."""
    path = tmp_path_factory.mktemp("template") / "idstream.db"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db)
    db.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    url = os.environ.get("IDSTREAM_TEST_POSTGRES_URL")
    if not url:
        require_or_skip("PostgreSQL is not running: set IDSTREAM_TEST_POSTGRES_URL")
    assert url
    db = Database(url)
    with db.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    migrate.upgrade(db)
    db.dispose()
    yield url


def empty_postgres(db: Database) -> None:
    tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with db.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, seeded, otherwise empty database, on each backend in turn."""
    if request.param == "sqlite":
        path = tmp_path / "idstream.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        db = Database(f"sqlite:///{path}")
    else:
        db = Database(request.getfixturevalue("postgres_url"))
        empty_postgres(db)
    bootstrap.initialize(db)
    yield db
    db.dispose()


@pytest.fixture
def settings(database: Database) -> Settings:
    return Settings(database_url=database.url, run_workers=False)


@pytest.fixture
def app(settings: Settings, database: Database):  # type: ignore[no-untyped-def]
    return create_app(settings, database)


@pytest.fixture
def raw_client(app) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def create_api_key(database: Database, **api_key: object) -> str:
    with database.unit_of_work() as session:
        _key, raw = apikeys.create(session, dict(api_key))
    return raw


@pytest.fixture
def api_key(database: Database) -> str:
    return create_api_key(database, metaData={"attributes": {"description": "test suite"}})


@pytest.fixture
def client(raw_client: TestClient, api_key: str) -> TestClient:
    """An API client authorised with an unrestricted key."""
    raw_client.headers["Authorization"] = api_key
    return raw_client


@pytest.fixture
def default_tenant_id(database: Database) -> str:
    from idstream.tenants import service

    with database.read() as session:
        tenant = service.default_tenant(session)
        assert tenant is not None
        return tenant.id

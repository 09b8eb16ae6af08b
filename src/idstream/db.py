"""Engine, sessions and the unit of work: the only place that commits."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import JSON, BigInteger, String, create_engine, event, text, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from idstream.errors import NotFound


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, int: BigInteger}


def new_id() -> str:
    return str(uuid.uuid4())


ModelT = TypeVar("ModelT", bound=Base)


def get_or_not_found(session: Session, model: type[ModelT], key: Any) -> ModelT:
    """The row with primary key `key`; an unknown key is FusionAuth's empty 404."""
    row = session.get(model, key)
    if row is None:
        raise NotFound()
    return row


def escape_like(value: str) -> str:
    """`value` with LIKE's own wildcards escaped, for a pattern matched with escape="\\"."""
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def order_clause(order_by: str, columns: Mapping[str, Any], tie: Any) -> tuple[Any, Any] | None:
    """FusionAuth's orderBy, "<column>" or "<column> ASC|DESC", as ORDER BY terms; `tie`
    (the id) keeps rows of equal value in a stable order. None when it is not a sort order."""
    parts = order_by.split()
    if not parts or len(parts) > 2 or parts[0] not in columns:
        return None
    direction = parts[1].upper() if len(parts) == 2 else "ASC"
    if direction not in ("ASC", "DESC"):
        return None
    column = columns[parts[0]]
    if direction == "DESC":
        return column.desc(), tie.desc()
    return column.asc(), tie.asc()


class Counter(Base):
    """Named counters. Taking a number locks the row until commit, so numbers become visible
    in the order they were taken: a reader never sees 7 before 6 has committed."""

    __tablename__ = "counters"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


def take_numbers(session: Session, name: str, count: int = 1) -> int:
    """Reserve `count` consecutive numbers of counter `name`; returns the first."""
    bump = (
        update(Counter)
        .where(Counter.name == name)
        .values(value=Counter.value + count)
        .returning(Counter.value)
        .execution_options(synchronize_session=False)
    )
    last = session.scalar(bump)
    if last is None:
        try:
            with session.begin_nested():
                session.add(Counter(name=name, value=0))
        except IntegrityError:
            pass  # a concurrent transaction created it first; the bump below waits for it
        last = session.scalar(bump)
    assert last is not None
    return int(last) - count + 1


CommitHook = Callable[[Session], None]
AFTER_COMMIT_KEY = "idstream.after_commit"
RECORDED_KEY = "idstream.recorded_events"


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Run `callback` once the session's transaction has committed (never if it rolls back)."""
    session.info.setdefault(AFTER_COMMIT_KEY, []).append(callback)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str) -> Engine:
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, pool_pre_ping=True
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            # WAL lets readers run beside the one writer; foreign keys are off by default.
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()
            # Let SQLAlchemy's "begin" event below issue BEGIN, not pysqlite.
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection: Any) -> None:
            # Take the write lock at BEGIN: two writers then queue instead of failing with
            # "database is locked" when a read lock is upgraded mid-transaction.
            # Readers (Database.read) keep a deferred BEGIN and never block the writer.
            if connection.get_execution_options().get("idstream_read_only"):
                connection.exec_driver_sql("BEGIN")
            else:
                connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


class Database:
    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_engine = self.engine.execution_options(idstream_read_only=True)
        # Called with the session just before commit (transactional webhooks live here).
        self.before_commit_hooks: list[CommitHook] = []
        # Called after every commit that recorded events (wakes the relay and dispatcher).
        self.on_events_committed: list[Callable[[], None]] = []

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.url)

    @contextlib.contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One transaction: the change and its events commit together or not at all."""
        session = self.sessions()
        try:
            yield session
            for hook in self.before_commit_hooks:
                hook(session)
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            callbacks = session.info.pop(AFTER_COMMIT_KEY, [])
            recorded = session.info.pop(RECORDED_KEY, 0)
            session.close()
        for callback in callbacks:
            callback()
        if recorded:
            for wake in self.on_events_committed:
                wake()

    @contextlib.contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading only; nothing is committed."""
        session = self.sessions(bind=self._read_engine)
        try:
            yield session
        finally:
            session.rollback()
            session.close()

    def ping(self) -> bool:
        try:
            with self.engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    def dispose(self) -> None:
        self.engine.dispose()

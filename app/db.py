"""The database handle, shared column types and engine tuning."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import has_request_context, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Engine, MetaData, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

# Named constraints, so Alembic can alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

# How long a writer waits for SQLite's lock before "database is locked". 5 s gave 158
# errors in 12,543 requests with 50 users on 4 gunicorn workers; 30 s gave none
# (bench/load.py, bench/RESULTS.md): under a burst a request waits rather than fails.
SQLITE_BUSY_TIMEOUT_MS = 30000


def utcnow() -> datetime:
    return datetime.now(UTC)


def add_if_unique(row: Base) -> bool:
    """Add ``row`` and flush it in a savepoint; False if a unique index refused it.

    For a row another request may be adding at the same moment (the same email, the same
    double-submitted form): the loser's savepoint rolls back and the rest of its
    transaction stands, so the caller can answer calmly instead of with a 500.
    """
    db.session.add(row)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        return False
    return True


def insert_or_ignore(model: type[Base], **values) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING; True if this call inserted the row.

    For a first save that two sessions of one patient (two tabs, two devices) may make at
    the same moment: a check-then-insert lets both insert, and the unique index fails the
    second with a 500. Python-side column defaults apply as for an ORM insert. Objects
    already loaded are not refreshed: query the row afterwards.
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = model.__table__
    statement = insert(table).values(**values).on_conflict_do_nothing()
    # RETURNING, not rowcount: psycopg reports -1 for this statement.
    returned = db.session.execute(statement.returning(*table.primary_key.columns)).first()
    return returned is not None


class UTCDateTime(TypeDecorator):
    """Stores UTC and always hands back aware datetimes, on SQLite too."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


@event.listens_for(Engine, "connect")
def _tune_sqlite(dbapi_connection, connection_record) -> None:
    if not _is_sqlite(dbapi_connection):
        return
    # Let SQLAlchemy's "begin" hook below issue BEGIN itself.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# SQLite transaction modes, kept per connection in ``Connection.info``.
#
# A request that may change something (POST and friends, CLI commands) starts with
# BEGIN IMMEDIATE: it takes the write lock at its first query, so its decisions rest on
# data nobody can change under it, and concurrent writers queue on busy_timeout.
# GET and HEAD start DEFERRED and take no lock while they read, so a slow page or a
# stalled reader never holds up everyone else. Their first write (the audit row, the
# session's last-seen time) restarts the transaction as IMMEDIATE: a deferred
# transaction that read and then writes after another connection committed fails at
# once with SQLITE_BUSY_SNAPSHOT, and busy_timeout does not help. The restart keeps the
# ORM's objects as they were read: fine for what a GET writes (idempotent marks and
# audit rows, whose chain reads its head after :func:`take_write_lock`).
_TXN = "stepcare_sqlite_txn"
DEFERRED, LOCKED, WRITTEN = "deferred", "locked", "written"
_NOT_WRITES = ("SELECT", "PRAGMA", "BEGIN", "COMMIT", "ROLLBACK", "RELEASE", "EXPLAIN")
_READ_ONLY_METHODS = ("GET", "HEAD")


def _wants_deferred() -> bool:
    return has_request_context() and request.method in _READ_ONLY_METHODS


@event.listens_for(Engine, "begin")
def _begin(connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    if _wants_deferred():
        connection.exec_driver_sql("BEGIN")
        connection.info[_TXN] = DEFERRED
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        connection.info[_TXN] = LOCKED


@event.listens_for(Engine, "commit")
@event.listens_for(Engine, "rollback")
def _ended(connection) -> None:
    if not connection.invalidated:  # an invalidated one is discarded with its info
        connection.info.pop(_TXN, None)


@event.listens_for(Engine, "before_cursor_execute")
def _lock_before_first_write(conn, cursor, statement, parameters, context, executemany):
    state = conn.info.get(_TXN)
    if state is None or state == WRITTEN:
        return
    if statement.lstrip()[:10].upper().startswith(_NOT_WRITES):
        return
    if state == DEFERRED:
        # On the DBAPI cursor: SQLAlchemy wraps what fails here as for the statement itself.
        cursor.execute("ROLLBACK")
        cursor.execute("BEGIN IMMEDIATE")
    conn.info[_TXN] = WRITTEN


def _restart(conn, begin: str) -> None:
    """Replace the SQLite transaction under SQLAlchemy's feet; only when nothing is written.

    The session's pending changes and loaded objects stay as they are.
    """
    conn.exec_driver_sql("ROLLBACK")
    conn.exec_driver_sql(begin)


def release_write_lock() -> bool:
    """Before slow work (a password hash): give up SQLite's write lock if nothing is written.

    The transaction goes on DEFERRED, so its next write takes the lock again. Objects
    already loaded stay usable. False if the transaction has written and must keep it.
    """
    conn = db.session.connection()
    state = conn.info.get(_TXN)
    if state == LOCKED:
        _restart(conn, "BEGIN")
        conn.info[_TXN] = DEFERRED
    return state != WRITTEN


def take_write_lock() -> None:
    """Before a read that a write will rest on (the audit chain's head, "does it exist?").

    A no-op when the transaction already holds the lock, and on PostgreSQL.
    """
    conn = db.session.connection()
    if conn.info.get(_TXN) == DEFERRED:
        _restart(conn, "BEGIN IMMEDIATE")
        conn.info[_TXN] = LOCKED


# SQLite errors after which a pooled connection must not be reused: a connection that saw
# its file turn read-only or the disk fail can keep failing after the file recovers, so
# the pool would hand out broken connections until a restart.
_SQLITE_CONNECTION_SPOILERS = (
    "attempt to write a readonly database",
    "disk i/o error",
    "unable to open database file",
    "database disk image is malformed",
    "database or disk is full",
)


@event.listens_for(Engine, "handle_error")
def _discard_spoilt_sqlite_connections(context) -> None:
    if context.engine is None or context.engine.dialect.name != "sqlite":
        return
    message = str(context.original_exception).lower()
    if any(spoiler in message for spoiler in _SQLITE_CONNECTION_SPOILERS):
        context.is_disconnect = True  # SQLAlchemy invalidates it; the pool opens a fresh one


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")

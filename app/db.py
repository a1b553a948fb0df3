"""The database handle, shared column types and engine tuning."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Engine, MetaData, event
from sqlalchemy.dialects import postgresql, sqlite
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

SQLITE_BUSY_TIMEOUT_MS = 5000


def utcnow() -> datetime:
    return datetime.now(UTC)


def insert_or_ignore(model: type[Base], **values) -> bool:
    """INSERT ... ON CONFLICT DO NOTHING; True if this call inserted the row.

    For a first save that two sessions of one patient (two tabs, two devices) may make at
    the same moment: a check-then-insert lets both insert, and the unique index fails the
    second with a 500. Python-side column defaults apply as for an ORM insert. Objects
    already loaded are not refreshed: query the row afterwards.
    """
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(model.__table__).values(**values).on_conflict_do_nothing()
    return db.session.execute(statement).rowcount == 1


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


@event.listens_for(Engine, "begin")
def _begin_immediate(connection) -> None:
    # Nearly every request writes (the audit row), and a deferred SQLite
    # transaction that read before writing fails with SQLITE_BUSY when another
    # connection wrote in between. Taking the write lock up front makes
    # concurrent requests queue on busy_timeout instead (as Django's
    # "transaction_mode": "IMMEDIATE" does).
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


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

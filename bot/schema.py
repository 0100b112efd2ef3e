"""The database tables (SQLAlchemy Core) and the versioned migrations that create them.

Portable SQL only (no SQLite-isms), so a PostgreSQL URL works unchanged. Message text is
never stored: only ids, settings, cached reports of public pages, counts and the audit log.
A migration is a function of a connection; `MIGRATIONS[n]` takes the schema from version n
to n + 1, and the version reached is kept in `schema_version`.
"""

from collections.abc import Callable

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
    text,
    update,
)

metadata = MetaData()

KEY = 191  # fits an index on every backend
URL_SIZE = 2048


def _scope(*names: str) -> list[Column]:
    """Primary-key columns that place a row: platform, then workspace, channel, ..."""
    return [Column("platform", String(32), primary_key=True)] + [
        Column(name, String(KEY), primary_key=True) for name in names
    ]


schema_version = Table("schema_version", metadata, Column("version", Integer, nullable=False))

channels = Table(
    "channels",
    metadata,
    *_scope("workspace", "channel"),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("mode", String(16), nullable=False, default="auto"),
    Column("sensitivity", String(16), nullable=True),
    Column("muted_until", Float, nullable=True),
)

domains = Table(
    "domains",
    metadata,
    *_scope("workspace", "domain"),
    Column("rule", String(16), nullable=False),
)

optouts = Table(
    "optouts",
    metadata,
    *_scope("workspace", "user"),
)

seen = Table(
    "seen",
    metadata,
    Column("platform", String(32), primary_key=True),
    Column("key", String(KEY * 2), primary_key=True),
    Column("run", String(32), nullable=False),
    Column("done", Boolean, nullable=False, default=False),
    Column("at", Float, nullable=False, index=True),
)


def _reply_columns() -> list[Column]:
    return [
        *_scope("workspace", "channel", "message_id"),
        Column("reply_id", String(KEY), nullable=False),
        Column("thread", String(KEY), nullable=True),
        Column("author", String(KEY), nullable=False),
        Column("at", Float, nullable=False, index=True),
    ]


replies = Table(
    "replies",
    metadata,
    *_reply_columns(),
    Column("cache_key", Text, nullable=True),
    Column("sensitivity", String(16), nullable=True),
)

report_cache = Table(
    "report_cache",
    metadata,
    Column("url", String(URL_SIZE), primary_key=True),
    Column("report", Text, nullable=False),
    Column("at", Float, nullable=False, index=True),
)

audit = Table(
    "audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("platform", String(32), nullable=False),
    Column("workspace", String(KEY), nullable=False),
    Column("channel", String(KEY), nullable=False),
    Column("actor", String(KEY), nullable=False),
    Column("action", String(64), nullable=False),
    Column("detail", String(512), nullable=False, default=""),
)

analyses = Table(
    "analyses",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False, index=True),
    Column("platform", String(32), nullable=False),
    Column("workspace", String(KEY), nullable=False),
    Column("domain", String(KEY), nullable=False),
    Column("claims", Integer, nullable=False),
    Column("flagged", Integer, nullable=False),
    Column("cached", Boolean, nullable=False),
)

meta = Table(
    "meta",
    metadata,
    Column("key", String(KEY), primary_key=True),
    Column("value", Text, nullable=False),
)

VERSION_1_TABLES = (
    channels,
    domains,
    optouts,
    seen,
    Table("replies", MetaData(), *_reply_columns()),
    report_cache,
    audit,
    analyses,
    meta,
)


def _create_version_1(connection: Connection) -> None:
    for table in VERSION_1_TABLES:
        table.create(connection)


def _pending_columns() -> list[Column]:
    return [
        Column("platform", String(32), primary_key=True),
        Column("key", String(KEY * 2), primary_key=True),
        Column("run", String(32), nullable=False),
        Column("message", Text, nullable=False),
        Column("at", Float, nullable=False, index=True),
    ]


pending = Table(
    "pending",
    metadata,
    *_pending_columns(),
    Column("attempts", Integer, nullable=False, default=0, server_default="0"),
)


def _create_version_2(connection: Connection) -> None:
    """Version 2: messages claimed but not yet answered, so a restart can finish them (the
    table as version 2 had it)."""
    Table("pending", MetaData(), *_pending_columns()).create(connection)


def _create_version_3(connection: Connection) -> None:
    """Version 3: how many runs tried a held message, so a poison message is given up."""
    connection.execute(text("ALTER TABLE pending ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0"))


def _create_version_4(connection: Connection) -> None:
    """Version 4: a reply knows the report it shows (its cache key) and the sensitivity it
    was flagged at, so "Show all" shows that report, at that sensitivity."""
    connection.execute(text("ALTER TABLE replies ADD COLUMN cache_key TEXT"))
    connection.execute(text("ALTER TABLE replies ADD COLUMN sensitivity VARCHAR(16)"))


MIGRATIONS: list[Callable[[Connection], None]] = [
    _create_version_1,
    _create_version_2,
    _create_version_3,
    _create_version_4,
]


def migrate(connection: Connection) -> int:
    """Bring the schema up to the latest version; return the version it is now at."""
    schema_version.create(connection, checkfirst=True)
    current = connection.execute(select(schema_version.c.version)).scalar()
    if current is None:
        connection.execute(insert(schema_version).values(version=0))
        current = 0
    for version in range(current, len(MIGRATIONS)):
        MIGRATIONS[version](connection)
        connection.execute(update(schema_version).values(version=version + 1))
    return len(MIGRATIONS)

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


def _seen_columns() -> list[Column]:
    return [
        Column("platform", String(32), primary_key=True),
        Column("key", String(KEY * 2), primary_key=True),
        Column("run", String(32), nullable=False),
        Column("done", Boolean, nullable=False, default=False),
        Column("at", Float, nullable=False, index=True),
    ]


LEDGER_COLUMNS = {
    "message": "TEXT",
    "attempts": "INTEGER NOT NULL DEFAULT 0",
    "workspace": f"VARCHAR({KEY})",
    "channel": f"VARCHAR({KEY})",
    "message_id": f"VARCHAR({KEY})",
    "reply_id": f"VARCHAR({KEY})",
    "thread": f"VARCHAR({KEY})",
    "author": f"VARCHAR({KEY})",
    "cache_key": "TEXT",
    "sensitivity": "VARCHAR(16)",
}

seen = Table(
    "seen",
    metadata,
    *_seen_columns(),
    Column("message", Text, nullable=True),
    Column("attempts", Integer, nullable=False, default=0, server_default="0"),
    Column("workspace", String(KEY), nullable=True),
    Column("channel", String(KEY), nullable=True),
    Column("message_id", String(KEY), nullable=True),
    Column("reply_id", String(KEY), nullable=True),
    Column("thread", String(KEY), nullable=True),
    Column("author", String(KEY), nullable=True),
    Column("cache_key", Text, nullable=True),
    Column("sensitivity", String(16), nullable=True),
)
"""The delivery ledger, one row per message key: who claimed it (`run`), whether it is
answered (`done`), the message held for a restart (`message`, `attempts`), and the reply
that answered it (`reply_id` and what "Show all" and "Dismiss" need)."""


def message_key(workspace: str, channel: str, message_id: str) -> str:
    """The ledger key of a chat message (its reply is kept on this row)."""
    return f"msg:{workspace}:{channel}:{message_id}"


def _reply_columns() -> list[Column]:
    return [
        *_scope("workspace", "channel", "message_id"),
        Column("reply_id", String(KEY), nullable=False),
        Column("thread", String(KEY), nullable=True),
        Column("author", String(KEY), nullable=False),
        Column("at", Float, nullable=False, index=True),
    ]


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

runs = Table(
    "runs",
    metadata,
    Column("run", String(32), primary_key=True),
    Column("host", String(KEY), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("at", Float, nullable=False),
)
"""Each bot process's run and its last heartbeat: claims of a live run are never taken over."""

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
    Table("seen", MetaData(), *_seen_columns()),
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


def _create_version_2(connection: Connection) -> None:
    """Version 2: messages claimed but not yet answered, so a restart can finish them."""
    Table("pending", MetaData(), *_pending_columns()).create(connection)


def _create_version_3(connection: Connection) -> None:
    """Version 3: how many runs tried a held message, so a poison message is given up."""
    connection.execute(text("ALTER TABLE pending ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0"))


def _create_version_4(connection: Connection) -> None:
    """Version 4: a reply knows the report it shows (its cache key) and the sensitivity it
    was flagged at, so "Show all" shows that report, at that sensitivity."""
    connection.execute(text("ALTER TABLE replies ADD COLUMN cache_key TEXT"))
    connection.execute(text("ALTER TABLE replies ADD COLUMN sensitivity VARCHAR(16)"))


def _create_version_5(connection: Connection) -> None:
    """Version 5: one delivery ledger. The held messages (`pending`) and the reply records
    (`replies`) move onto the message's row of `seen`, so a claim holds its message and a
    delivery finishes it and records its reply, each in one statement."""
    for name, kind in LEDGER_COLUMNS.items():
        connection.execute(text(f"ALTER TABLE seen ADD COLUMN {name} {kind}"))
    connection.execute(text("CREATE INDEX ix_seen_reply ON seen (platform, reply_id)"))
    held = connection.execute(text("SELECT platform, key, run, message, at, attempts FROM pending"))
    for row in held.mappings().all():
        _move(connection, dict(row), done=False)
    replied = connection.execute(
        text(
            "SELECT platform, workspace, channel, message_id, reply_id, thread, author, at, "
            "cache_key, sensitivity FROM replies"
        )
    )
    for row in replied.mappings().all():
        key = message_key(row["workspace"], row["channel"], row["message_id"])
        _move(connection, dict(row) | {"key": key}, done=True)
    connection.execute(text("DROP TABLE pending"))
    connection.execute(text("DROP TABLE replies"))


def _move(connection: Connection, row: dict, *, done: bool) -> None:
    """Put an old table's row on its message's ledger row, creating the row if needed."""
    where = (seen.c.platform == row["platform"]) & (seen.c.key == row["key"])
    values = {k: v for k, v in row.items() if k in seen.c and k not in ("platform", "key", "at")}
    if not connection.execute(update(seen).where(where).values(values)).rowcount:
        connection.execute(insert(seen).values({"run": "migrated"} | row | {"done": done}))


def _create_version_6(connection: Connection) -> None:
    """Version 6: runs and their heartbeats, so replicas sharing the database take over only
    what a dead process left."""
    runs.create(connection)


MIGRATIONS: list[Callable[[Connection], None]] = [
    _create_version_1,
    _create_version_2,
    _create_version_3,
    _create_version_4,
    _create_version_5,
    _create_version_6,
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

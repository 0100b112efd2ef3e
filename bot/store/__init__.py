"""The store, split by job over one database: the delivery ledger (`ledger.py`), the report
cache (`cache.py`), and channel policy with the audit log, usage counts and stored facts
(`policy.py`).

SQLAlchemy 2 Core over SQLite (the default) or PostgreSQL, from the same code; the schema is
migrated to the latest version on open. Every method is one short transaction, and the bot
calls them off its event loop.
"""

import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import (
    Engine,
    Executable,
    create_engine,
    delete,
    event,
    func,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url

from bot.schema import analyses, audit, channels, domains, migrate, optouts, seen
from bot.store.base import fit, match
from bot.store.cache import ReportCache
from bot.store.ledger import MAX_ATTEMPTS, Ledger, ReplyRecord
from bot.store.policy import DAY, AuditEntry, ChannelSettings, Policies, Policy, Usage
from bot.store.runs import RUN_TIMEOUT

__all__ = [
    "DAY",
    "MAX_ATTEMPTS",
    "RUN_TIMEOUT",
    "AuditEntry",
    "ChannelSettings",
    "DriverMissing",
    "Policy",
    "ReplyRecord",
    "Store",
    "Usage",
    "fit",
]


WORKSPACE_TABLES = (channels, domains, optouts, audit, analyses)  # each with a workspace column
MIGRATING = 0x5C_0001  # the advisory lock PostgreSQL migrations take


class DriverMissing(RuntimeError):
    """The database URL names a driver that is not installed; the message says what to do."""

    def __init__(self, backend: str, module: str) -> None:
        extra = " (pip install -e '.[postgres]')" if backend == "postgresql" else ""
        super().__init__(
            f"the database URL needs the {module or backend} driver, which is not installed{extra}"
        )


class Store(Ledger, ReportCache, Policies):
    """Persistent state behind the bot: one engine, the three jobs' methods."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        super().__init__(engine, clock)
        with engine.begin() as connection:
            if engine.dialect.name == "postgresql":  # processes starting at once migrate in turn
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATING})
            self.version = migrate(connection)

    @classmethod
    def open(cls, url: str, clock: Callable[[], float] = time.time) -> "Store":
        """Open (creating the SQLite file's folder if needed) and migrate the database."""
        parsed = make_url(url)
        try:
            engine = create_engine(url)
        except ModuleNotFoundError as missing:
            raise DriverMissing(parsed.get_backend_name(), missing.name or "") from None
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            event.listen(engine, "connect", _sqlite_pragmas)
        return cls(engine, clock)

    def reply_counts(self, platform: str, workspace: str, days: int) -> dict[str, tuple[int, int]]:
        """Channel -> (replies posted, of which dismissed) over the last `days` (replies
        are known for the retention period)."""
        since = self.clock() - days * DAY
        kept = select(seen.c.channel, func.count()).where(
            seen.c.platform == platform,
            seen.c.workspace == workspace,
            seen.c.reply_id.is_not(None),
            seen.c.at >= since,
        )
        dismissed = select(audit.c.channel, func.count()).where(
            audit.c.platform == platform,
            audit.c.workspace == workspace,
            audit.c.action == "dismiss",
            audit.c.at >= since,
        )
        with self.engine.connect() as connection:
            kept_by = {row[0]: row[1] for row in connection.execute(kept.group_by(seen.c.channel))}
            gone_by = {
                row[0]: row[1] for row in connection.execute(dismissed.group_by(audit.c.channel))
            }
        return {
            channel: (kept_by.get(channel, 0) + gone_by.get(channel, 0), gone_by.get(channel, 0))
            for channel in kept_by.keys() | gone_by.keys()
        }

    def purge(self, retention_days: int, cache_ttl: float) -> None:
        """Forget cached reports past their lifetime, and claims, held messages, reply
        records, audit entries and usage counts older than the retention period."""
        cutoff = self.clock() - retention_days * DAY
        self.expire_reports(max(cutoff, self.clock() - cache_ttl))
        self.expire_claims(cutoff)
        self.expire_history(cutoff)

    def forget_workspace(self, platform: str, workspace: str) -> int:
        """Remove everything kept about one workspace (it uninstalled the bot): channel
        settings, domain rules, opt-outs, message and reply records, the audit log and
        usage counts. Cached reports stay: they are of public pages, shared by every
        workspace, and name none. The number of records removed."""
        place = {"platform": platform, "workspace": workspace}
        messages = (seen.c.platform == platform) & (
            (seen.c.workspace == workspace)
            | seen.c.key.startswith(f"msg:{workspace}:", autoescape=True)
        )
        tables = [delete(table).where(match(table, **place)) for table in WORKSPACE_TABLES]
        return self._changed([*tables, delete(seen).where(messages)])

    def forget_member(self, platform: str, workspace: str, user: str) -> int:
        """Remove what is kept about one member of a workspace: their opt-out, the audit
        entries naming them, and their id on the records of replies to their messages (the
        messages stay answered). The number of records changed."""
        place = {"platform": platform, "workspace": workspace}
        return self._changed(
            [
                delete(optouts).where(match(optouts, **place, user=user)),
                delete(audit).where(match(audit, **place, actor=user)),
                update(seen).where(match(seen, **place, author=user)).values(author=""),
            ]
        )

    def _changed(self, statements: list[Executable]) -> int:
        """Run `statements` in one transaction; the number of rows they changed."""
        with self.engine.begin() as connection:
            return sum(connection.execute(statement).rowcount for statement in statements)


def _sqlite_pragmas(connection, _record) -> None:
    """A SQLite file in write-ahead-log mode: readers never wait for the writer, and a
    commit is not a disk flush (`synchronous=NORMAL`: a power cut may lose the last
    commits, never corrupt the file); a writer waits up to 5 s for another's lock."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()

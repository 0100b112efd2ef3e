"""The one store: settings, report cache, seen events, replies, audit log and counters.

SQLAlchemy 2 Core over any SQL database (SQLite by default); the schema is migrated to
the latest version on open. Every method is one short transaction.
"""

import hashlib
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import (
    ColumnElement,
    Engine,
    Table,
    and_,
    create_engine,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError

from analysis import Sensitivity
from bot.schema import (
    KEY,
    URL_SIZE,
    analyses,
    audit,
    channels,
    domains,
    meta,
    migrate,
    optouts,
    pending,
    replies,
    report_cache,
    seen,
)

DAY = 86_400.0
MAX_ATTEMPTS = 3
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ChannelSettings:
    """How the bot behaves in one channel."""

    enabled: bool = True
    mode: str = "auto"
    sensitivity: Sensitivity | None = None
    muted_until: float | None = None

    def muted(self, now: float) -> bool:
        """Whether the channel is muted at `now`."""
        return self.muted_until is not None and self.muted_until > now


@dataclass(frozen=True, slots=True)
class ReplyRecord:
    """Which bot message answers which source message."""

    channel: str
    message_id: str
    reply_id: str
    thread: str | None
    author: str
    cache_key: str | None = None
    sensitivity: str | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One line of the audit log."""

    at: float
    channel: str
    actor: str
    action: str
    detail: str


@dataclass(frozen=True, slots=True)
class Usage:
    """What `stats` reports for a workspace over a period."""

    analysed: int
    with_flags: int
    top_domains: list[tuple[str, float, int]]


class Store:
    """Persistent state behind the bot; safe to share across the event loop's tasks."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self.engine = engine
        self.clock = clock
        with engine.begin() as connection:
            self.version = migrate(connection)

    @classmethod
    def open(cls, url: str, clock: Callable[[], float] = time.time) -> "Store":
        """Open (creating the SQLite file's folder if needed) and migrate the database."""
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        return cls(create_engine(url), clock)

    # Channel settings

    def channel(self, platform: str, workspace: str, channel: str) -> ChannelSettings:
        """The channel's settings (defaults when never changed)."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(channels).where(
                    _match(channels, platform=platform, workspace=workspace, channel=channel)
                )
            ).first()
        if row is None:
            return ChannelSettings()
        sensitivity = Sensitivity(row.sensitivity) if row.sensitivity else None
        return ChannelSettings(row.enabled, row.mode, sensitivity, row.muted_until)

    def update_channel(self, platform: str, workspace: str, channel: str, **changes) -> None:
        """Change some of a channel's settings."""
        settings = replace(self.channel(platform, workspace, channel), **changes)
        values = {
            "enabled": settings.enabled,
            "mode": settings.mode,
            "sensitivity": settings.sensitivity.value if settings.sensitivity else None,
            "muted_until": settings.muted_until,
        }
        key = {"platform": platform, "workspace": workspace, "channel": channel}
        with self.engine.begin() as connection:
            done = connection.execute(
                update(channels)
                .where(_match(channels, platform=platform, workspace=workspace, channel=channel))
                .values(values)
            )
            if done.rowcount == 0:
                connection.execute(insert(channels).values(**key, **values))

    # Domain rules and opt-outs

    def domain_rules(self, platform: str, workspace: str) -> dict[str, str]:
        """Domain -> `deny` or `always` for a workspace."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(domains.c.domain, domains.c.rule).where(
                    domains.c.platform == platform, domains.c.workspace == workspace
                )
            )
            return {row.domain: row.rule for row in rows}

    def set_domain(self, platform: str, workspace: str, domain: str, rule: str | None) -> bool:
        """Set or (with None) remove a domain's rule; False when there was nothing to remove."""
        where = _match(domains, platform=platform, workspace=workspace, domain=domain)
        with self.engine.begin() as connection:
            removed = connection.execute(delete(domains).where(where)).rowcount
            if rule is not None:
                connection.execute(
                    insert(domains).values(
                        platform=platform, workspace=workspace, domain=domain, rule=rule
                    )
                )
        return rule is not None or removed > 0

    def opted_out(self, platform: str, workspace: str, user: str) -> bool:
        """Whether `user` asked the bot to leave their messages alone."""
        with self.engine.connect() as connection:
            return (
                connection.execute(
                    select(optouts.c.user).where(
                        _match(optouts, platform=platform, workspace=workspace, user=user)
                    )
                ).first()
                is not None
            )

    def set_opted_out(self, platform: str, workspace: str, user: str, out: bool) -> None:
        """Record a user's opt-out (True) or opt-in (False)."""
        with self.engine.begin() as connection:
            connection.execute(
                delete(optouts).where(
                    _match(optouts, platform=platform, workspace=workspace, user=user)
                )
            )
            if out:
                connection.execute(
                    insert(optouts).values(platform=platform, workspace=workspace, user=user)
                )

    # Seen events: answer every message once, even across restarts and retries

    def claim(self, platform: str, keys: Iterable[str], run: str) -> bool:
        """Claim a message by all its keys. False when any key is done, or is being handled
        by this run; a claim left unfinished by an earlier run (a crash) is taken over."""
        keys = sorted(set(keys))
        now = self.clock()
        with self.engine.begin() as connection:
            rows = connection.execute(
                select(seen.c.key, seen.c.run, seen.c.done).where(_keyed(seen, platform, keys))
            ).all()
            if any(row.done or row.run == run for row in rows):
                return False
            connection.execute(delete(seen).where(_keyed(seen, platform, keys)))
            try:
                connection.execute(
                    insert(seen),
                    [
                        {"platform": platform, "key": k, "run": run, "done": False, "at": now}
                        for k in keys
                    ],
                )
            except IntegrityError:
                return False
        return True

    def finish(self, platform: str, keys: Iterable[str]) -> None:
        """Mark a claimed message as answered (or deliberately not answered)."""
        keys = list(keys)
        with self.engine.begin() as connection:
            connection.execute(update(seen).where(_keyed(seen, platform, keys)).values(done=True))
            connection.execute(delete(pending).where(_keyed(pending, platform, keys)))

    def release(self, platform: str, keys: Iterable[str]) -> None:
        """Give a claim up, so a retry of the same message is answered."""
        keys = list(keys)
        with self.engine.begin() as connection:
            connection.execute(delete(seen).where(_keyed(seen, platform, keys)))
            connection.execute(delete(pending).where(_keyed(pending, platform, keys)))

    def hold(self, platform: str, key: str, run: str, message: str) -> None:
        """Keep a claimed message (as JSON, without its text) until it is finished or
        released, so a run that takes over after a crash can answer it. A message held
        again keeps the count of runs that tried it."""
        where = _keyed(pending, platform, [key])
        with self.engine.begin() as connection:
            held = connection.execute(update(pending).where(where).values(run=run, message=message))
            if not held.rowcount:
                connection.execute(
                    insert(pending).values(
                        platform=platform, key=key, run=run, message=message, at=self.clock()
                    )
                )

    def unfinished(self, platform: str, run: str, attempts: int = MAX_ATTEMPTS) -> list[str]:
        """Held messages of earlier runs (oldest first), each counted as tried once more; one
        that `attempts` runs have tried already is given up (finished, logged by key only),
        so a message that kills the bot cannot do so on every start."""
        with self.engine.begin() as connection:
            rows = connection.execute(
                select(pending.c.key, pending.c.message, pending.c.attempts)
                .where(pending.c.platform == platform, pending.c.run != run)
                .order_by(pending.c.at)
            ).all()
            given_up = [row.key for row in rows if row.attempts >= attempts]
            if given_up:
                connection.execute(delete(pending).where(_keyed(pending, platform, given_up)))
                connection.execute(
                    update(seen).where(_keyed(seen, platform, given_up)).values(done=True)
                )
                log.warning(
                    "message.given_up", extra={"platform": platform, "count": len(given_up)}
                )
            tried = [row.key for row in rows if row.attempts < attempts]
            if tried:
                connection.execute(
                    update(pending)
                    .where(_keyed(pending, platform, tried))
                    .values(attempts=pending.c.attempts + 1)
                )
        return [row.message for row in rows if row.attempts < attempts]

    # Replies

    def record_reply(
        self,
        platform: str,
        workspace: str,
        record: ReplyRecord,
    ) -> None:
        """Remember which bot message answers which source message."""
        key = _source(platform, workspace, record.channel, record.message_id)
        with self.engine.begin() as connection:
            connection.execute(delete(replies).where(key))
            connection.execute(
                insert(replies).values(
                    platform=platform,
                    workspace=workspace,
                    channel=record.channel,
                    message_id=record.message_id,
                    reply_id=record.reply_id,
                    thread=record.thread,
                    author=record.author,
                    cache_key=record.cache_key,
                    sensitivity=record.sensitivity,
                    at=self.clock(),
                )
            )

    def reply_to(
        self, platform: str, workspace: str, channel: str, message_id: str
    ) -> ReplyRecord | None:
        """The bot's reply to a source message, if any."""
        return self._reply(_source(platform, workspace, channel, message_id))

    def reply_by_id(
        self, platform: str, workspace: str, channel: str, reply_id: str
    ) -> ReplyRecord | None:
        """The record of one of the bot's replies, found by the reply's own id."""
        return self._reply(
            _match(
                replies, platform=platform, workspace=workspace, channel=channel, reply_id=reply_id
            )
        )

    def forget_reply(self, platform: str, workspace: str, channel: str, message_id: str) -> None:
        """Drop a reply's record (its source or the reply itself was deleted)."""
        with self.engine.begin() as connection:
            connection.execute(
                delete(replies).where(_source(platform, workspace, channel, message_id))
            )

    def _reply(self, where) -> ReplyRecord | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(replies).where(where)).first()
        if row is None:
            return None
        return ReplyRecord(
            row.channel,
            row.message_id,
            row.reply_id,
            row.thread,
            row.author,
            row.cache_key,
            row.sensitivity,
        )

    # Report cache

    def cached_report(self, url: str, ttl: float) -> str | None:
        """A report JSON for `url` younger than `ttl` seconds."""
        with self.engine.connect() as connection:
            return connection.execute(
                select(report_cache.c.report).where(
                    report_cache.c.url == fit(url, URL_SIZE),
                    report_cache.c.at >= self.clock() - ttl,
                )
            ).scalar()

    def cache_report(self, url: str, report_json: str) -> None:
        """Keep a report for `url`."""
        key = fit(url, URL_SIZE)
        with self.engine.begin() as connection:
            connection.execute(delete(report_cache).where(report_cache.c.url == key))
            connection.execute(
                insert(report_cache).values(url=key, report=report_json, at=self.clock())
            )

    # Audit log, counters, stats

    def log(
        self, platform: str, workspace: str, channel: str, actor: str, action: str, detail: str
    ) -> None:
        """Add a line to the audit log."""
        with self.engine.begin() as connection:
            connection.execute(
                insert(audit).values(
                    at=self.clock(),
                    platform=platform,
                    workspace=workspace,
                    channel=channel,
                    actor=actor,
                    action=action,
                    detail=detail[:512],
                )
            )

    def audit_log(self, platform: str, workspace: str, count: int) -> list[AuditEntry]:
        """The last `count` audit entries of a workspace, newest first."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(audit)
                .where(audit.c.platform == platform, audit.c.workspace == workspace)
                .order_by(audit.c.id.desc())
                .limit(count)
            )
            return [AuditEntry(r.at, r.channel, r.actor, r.action, r.detail) for r in rows]

    def count_analysis(
        self, platform: str, workspace: str, domain: str, claims: int, flagged: int, cached: bool
    ) -> None:
        """Count one analysed link (no text, only the numbers)."""
        with self.engine.begin() as connection:
            connection.execute(
                insert(analyses).values(
                    at=self.clock(),
                    platform=platform,
                    workspace=workspace,
                    domain=fit(domain, KEY),
                    claims=claims,
                    flagged=flagged,
                    cached=cached,
                )
            )

    def usage(self, platform: str, workspace: str, days: int, top: int = 5) -> Usage:
        """Links analysed, how many had flags, and the domains with the most flagged claims."""
        since = self.clock() - days * DAY
        where = and_(
            analyses.c.platform == platform,
            analyses.c.workspace == workspace,
            analyses.c.at >= since,
        )
        with self.engine.connect() as connection:
            total = connection.execute(select(func.count()).where(where)).scalar() or 0
            with_flags = (
                connection.execute(
                    select(func.count()).where(where, analyses.c.flagged > 0)
                ).scalar()
                or 0
            )
            rows = connection.execute(
                select(
                    analyses.c.domain,
                    func.sum(analyses.c.flagged).label("flagged"),
                    func.sum(analyses.c.claims).label("claims"),
                    func.count().label("links"),
                )
                .where(where)
                .group_by(analyses.c.domain)
            ).all()
        ranked = sorted(
            ((r.domain, (r.flagged or 0) / max(1, r.claims or 0), r.links) for r in rows),
            key=lambda item: (-item[1], -item[2], item[0]),
        )
        return Usage(total, with_flags, ranked[:top])

    def purge(self, retention_days: int, cache_ttl: float) -> None:
        """Forget cache entries and seen events older than the retention period."""
        cutoff = self.clock() - retention_days * DAY
        with self.engine.begin() as connection:
            connection.execute(
                delete(report_cache).where(
                    report_cache.c.at < max(cutoff, self.clock() - cache_ttl)
                )
            )
            connection.execute(delete(seen).where(seen.c.at < cutoff))
            connection.execute(delete(pending).where(pending.c.at < cutoff))

    # Small key-value facts (e.g. the hash of the last synced command tree)

    def get_meta(self, key: str) -> str | None:
        """A stored fact."""
        with self.engine.connect() as connection:
            return connection.execute(select(meta.c.value).where(meta.c.key == key)).scalar()

    def set_meta(self, key: str, value: str) -> None:
        """Store a fact."""
        with self.engine.begin() as connection:
            connection.execute(delete(meta).where(meta.c.key == key))
            connection.execute(insert(meta).values(key=key, value=value))


def fit(text: str, size: int) -> str:
    """`text` within a column of `size` characters: a long one keeps its start and ends in a
    digest of the whole, so two long texts never share a key (PostgreSQL refuses what is
    longer than its column; SQLite would silently keep it)."""
    if len(text) <= size:
        return text
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]
    return f"{text[: size - len(digest) - 1]}~{digest}"


def _match(table: Table, **values: str) -> ColumnElement[bool]:
    """`column = value` for each keyword, all together."""
    return and_(*(table.c[name] == value for name, value in values.items()))


def _source(platform: str, workspace: str, channel: str, message_id: str) -> ColumnElement[bool]:
    """The reply record of one source message."""
    return _match(
        replies, platform=platform, workspace=workspace, channel=channel, message_id=message_id
    )


def _keyed(table: Table, platform: str, keys: list[str]) -> ColumnElement[bool]:
    """The rows of `table` (seen or pending) for these message keys on one platform."""
    return and_(table.c.platform == platform, table.c.key.in_(keys))

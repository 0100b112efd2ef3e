"""Channel policy and the workspace's records: channel settings, domain rules, opt-outs
(read together, in one statement, for each message), the audit log, usage counts and small
stored facts."""

from dataclasses import dataclass, field, replace

from sqlalchemy import and_, delete, func, insert, literal, select, update

from analysis import Sensitivity
from bot.schema import KEY, analyses, audit, channels, domains, meta, optouts
from bot.store.base import StoreBase, fit, match

DAY = 86_400.0


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
class Policy:
    """Everything that decides whether and how to answer one member in one channel."""

    channel: ChannelSettings = field(default_factory=ChannelSettings)
    opted_out: bool = False
    rules: dict[str, str] = field(default_factory=dict)


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


class Policies(StoreBase):
    """Channel settings, domain rules, opt-outs, the audit log, usage and stored facts."""

    def policy(self, platform: str, workspace: str, channel: str, user: str) -> Policy:
        """The channel's settings, the workspace's domain rules and whether `user` opted
        out, in one statement (one row per domain rule, or one row of nothing)."""
        one = select(literal(1).label("one")).subquery()
        place = {"platform": platform, "workspace": workspace}
        query = select(
            channels.c.enabled,
            channels.c.mode,
            channels.c.sensitivity,
            channels.c.muted_until,
            optouts.c.user,
            domains.c.domain,
            domains.c.rule,
        ).select_from(
            one.outerjoin(channels, match(channels, **place, channel=channel))
            .outerjoin(optouts, match(optouts, **place, user=user))
            .outerjoin(domains, match(domains, **place))
        )
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        first = rows[0]
        settings = _settings_of(first) if first.enabled is not None else ChannelSettings()
        rules = {row.domain: row.rule for row in rows if row.domain is not None}
        return Policy(settings, first.user is not None, rules)

    def channel(self, platform: str, workspace: str, channel: str) -> ChannelSettings:
        """The channel's settings (defaults when never changed)."""
        with self.engine.connect() as connection:
            row = connection.execute(
                select(channels).where(
                    match(channels, platform=platform, workspace=workspace, channel=channel)
                )
            ).first()
        return ChannelSettings() if row is None else _settings_of(row)

    def channels_of(self, platform: str, workspace: str) -> dict[str, ChannelSettings]:
        """Every channel of a workspace with settings of its own, by channel id."""
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(channels).where(match(channels, platform=platform, workspace=workspace))
            ).all()
        return {row.channel: _settings_of(row) for row in rows}

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
                .where(match(channels, platform=platform, workspace=workspace, channel=channel))
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
        where = match(domains, platform=platform, workspace=workspace, domain=domain)
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
                        match(optouts, platform=platform, workspace=workspace, user=user)
                    )
                ).first()
                is not None
            )

    def set_opted_out(self, platform: str, workspace: str, user: str, out: bool) -> None:
        """Record a user's opt-out (True) or opt-in (False)."""
        with self.engine.begin() as connection:
            connection.execute(
                delete(optouts).where(
                    match(optouts, platform=platform, workspace=workspace, user=user)
                )
            )
            if out:
                connection.execute(
                    insert(optouts).values(platform=platform, workspace=workspace, user=user)
                )

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

    def daily_counts(self, platform: str, workspace: str, days: int) -> list[tuple[int, int]]:
        """Links analysed and how many had flags, per day of the last `days` (oldest
        first; day 0 ends now)."""
        now = self.clock()
        counts = [[0, 0] for _ in range(days)]
        where = match(analyses, platform=platform, workspace=workspace)
        with self.engine.connect() as connection:
            rows = connection.execute(
                select(analyses.c.at, analyses.c.flagged).where(
                    where, analyses.c.at >= now - days * DAY
                )
            ).all()
        for row in rows:
            day = counts[days - 1 - min(days - 1, int((now - row.at) // DAY))]
            day[0] += 1
            day[1] += row.flagged > 0
        return [(links, flagged) for links, flagged in counts]

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

    def expire_history(self, older_than: float) -> None:
        """Forget audit entries and usage counts from before `older_than`."""
        with self.engine.begin() as connection:
            connection.execute(delete(audit).where(audit.c.at < older_than))
            connection.execute(delete(analyses).where(analyses.c.at < older_than))


def _settings_of(row) -> ChannelSettings:
    """A channel's settings from its row."""
    sensitivity = Sensitivity(row.sensitivity) if row.sensitivity else None
    return ChannelSettings(row.enabled, row.mode, sensitivity, row.muted_until)

"""What a workspace's home page shows (Slack's App Home tab): for everyone, what the bot
does and how each channel is set up; for moderators also the domain rules, the audit log and
the last 30 days' counts. Platform-neutral; the Slack adapter renders it."""

from dataclasses import dataclass, field

from bot.store import AuditEntry, ChannelSettings

AUDIT_SHOWN = 20
DAYS_SHOWN = 30


@dataclass(frozen=True, slots=True)
class Home:
    """One member's view of a workspace."""

    moderator: bool
    channels: dict[str, ChannelSettings]
    now: float
    rules: dict[str, str] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    days: list[tuple[int, int]] = field(default_factory=list)  # (links, with flags), oldest first

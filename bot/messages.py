"""Platform-neutral messages in and replies out: what every adapter translates to and from."""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from analysis import AnalysisError, Report


@dataclass(frozen=True, slots=True, kw_only=True)
class Incoming:
    """A chat message as the core sees it; adapters decode their link syntax into `text`."""

    platform: str
    workspace: str
    channel: str
    message_id: str
    author: str
    text: str
    thread: str | None = None
    event_id: str | None = None
    author_is_bot: bool = False
    is_moderator: bool = False
    is_admin: bool | None = None
    parent: str | None = None
    mentioned: bool = False
    links: tuple[str, ...] = ()
    held: bool = False  # a dead run's held message, already claimed by this run
    received: float = field(default_factory=time.monotonic, compare=False)

    @property
    def settings_channel(self) -> str:
        """The channel whose settings apply: a thread's parent (Discord threads are channels
        of their own), else the message's channel."""
        return self.parent or self.channel

    @property
    def may_change_workspace(self) -> bool:
        """Whether the author may change workspace-wide settings and read the audit log: a
        workspace admin where the platform tells admins from channel moderators (Discord's
        Manage Server), else any moderator."""
        return self.is_moderator if self.is_admin is None else self.is_admin

    @property
    def reply_thread(self) -> str:
        """The thread a reply belongs in: the message's thread, or a new one on the message."""
        return self.thread or self.message_id


class ReplyKind(StrEnum):
    """What a reply is."""

    ANALYSIS = "analysis"
    COMMAND = "command"
    ERROR = "error"
    NOTICE = "notice"
    READ = "read"  # quiet mode, nothing flagged: a reaction on the message, no reply


@dataclass(frozen=True, slots=True)
class Outcome:
    """One analysed target (named by its link or "pasted text"): its report, or why there
    is none; `cache_key` is the link its report is cached under (None for pasted text)."""

    target: str
    report: Report | None = None
    error: AnalysisError | None = None
    cache_key: str | None = None

    def error_line(self, escape: Callable[[str], str] = str) -> str:
        """The one line that says why there is no report; target and reason pass through
        the platform's `escape`."""
        reason = self.error.message if self.error else "no report"
        return f"I couldn't analyse {escape(self.target)}: {escape(reason)}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Reply:
    """What the bot answers; `text` is the plain rendering every platform can fall back to."""

    kind: ReplyKind
    text: str
    outcomes: tuple[Outcome, ...] = field(default_factory=tuple)
    ephemeral: bool = False

    @property
    def reports(self) -> tuple[Report, ...]:
        """The reports among the outcomes."""
        return tuple(o.report for o in self.outcomes if o.report is not None)

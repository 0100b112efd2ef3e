"""Moderator and user commands: one grammar, `/sourcecheck <subcommand>`, on every platform.

`parse()` turns the text after `/sourcecheck` into a Command or raises CommandError with a
message for the user; `Commands.run()` applies the settings subcommands to the store.
`check` and `dismiss` need the bot itself and are run by `bot.core.Bot`.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from analysis import Sensitivity
from analysis.render import counted
from bot.grammar import BY_NAME, Who, help_text
from bot.links import domain_of, normalise_url
from bot.messages import Incoming, Reply, ReplyKind
from bot.schema import KEY
from bot.store import AuditEntry, Store

log = logging.getLogger(__name__)

HELP = help_text()
PREFIX = "/sourcecheck"
MAX_MUTE_MINUTES = 7 * 24 * 60
MAX_LOG = 50
MAX_STATS_DAYS = 365
MAX_CHANNELS_SHOWN = 10


class CommandError(ValueError):
    """A command that cannot run; the message tells the user why."""


@dataclass(frozen=True, slots=True)
class Command:
    """A parsed command: its name and the rest of the words."""

    name: str
    args: tuple[str, ...]
    rest: str

    @property
    def who(self) -> Who:
        """Who may run it, as the grammar says (`domains list` is for everyone)."""
        return BY_NAME[self.name].who_for(self.args)

    @property
    def changes_settings(self) -> bool:
        """Whether only a moderator may run it."""
        return self.who in (Who.MODERATOR, Who.ADMIN)

    @property
    def workspace_wide(self) -> bool:
        """Whether it changes or reads what belongs to the whole workspace (domain rules,
        the audit log), not one channel: for workspace admins."""
        return self.who is Who.ADMIN


def parse(text: str) -> Command:
    """The command in `text` (with or without the leading `/sourcecheck`)."""
    words = text.strip()
    if words[: len(PREFIX)].lower() == PREFIX:
        words = words[len(PREFIX) :].strip()
    if not words:
        return Command("help", (), "")
    name, _, rest = words.partition(" ")
    name = name.lower()
    if name not in BY_NAME:
        raise CommandError(f"I don't know `{name}`. Try `/sourcecheck help`.")
    return Command(name, tuple(rest.split()), rest.strip())


class Commands:
    """Runs the subcommands that read or change stored settings."""

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self.store = store
        self.clock = clock

    def run(self, message: Incoming, command: Command) -> Reply:
        """Run `command` for `message`'s author; refusals say why."""
        if command.changes_settings and not message.is_moderator:
            return _reply(
                "Only moderators can change sourcecheck's settings. "
                "Ask a moderator, or see `/sourcecheck help`."
            )
        if command.workspace_wide and not message.may_change_workspace:
            return _reply(
                "Only a workspace admin (Manage Server on Discord) can change domain rules "
                "or read the audit log."
            )
        handler = getattr(self, "_" + command.name.replace("-", "_"))
        try:
            return _reply(handler(message, command.args))
        except CommandError as error:
            return _reply(str(error))

    def _help(self, message: Incoming, args: tuple[str, ...]) -> str:
        return HELP

    def _enable(self, message: Incoming, args: tuple[str, ...]) -> str:
        self._set(message, "enable", "", enabled=True)
        return "sourcecheck is on in this channel."

    def _disable(self, message: Incoming, args: tuple[str, ...]) -> str:
        self._set(message, "disable", "", enabled=False)
        return "sourcecheck is off in this channel. `/sourcecheck enable` turns it back on."

    def _mode(self, message: Incoming, args: tuple[str, ...]) -> str:
        mode = _one_of(args, BY_NAME["mode"].arg("mode").choices, "mode")
        self._set(message, "mode", mode, mode=mode)
        if mode == "auto":
            return "I'll check every link posted in this channel."
        if mode == "quiet":
            return (
                "I'll check every link here quietly: a 👀 reaction says I read it, and I reply "
                "only when something is flagged, or when I'm mentioned or asked."
            )
        return "I'll check links only when I'm mentioned or asked with `/sourcecheck check`."

    def _sensitivity(self, message: Incoming, args: tuple[str, ...]) -> str:
        level = Sensitivity(
            _one_of(args, BY_NAME["sensitivity"].arg("level").choices, "sensitivity")
        )
        self._set(message, "sensitivity", level.value, sensitivity=level)
        return (
            f"Sensitivity here is now {level.value}: "
            f"claims scoring {level.threshold:.2f} or more (the chance that a careful reader "
            "would flag them) are flagged."
        )

    def _domains(self, message: Incoming, args: tuple[str, ...]) -> str:
        action = _one_of(args[:1], BY_NAME["domains"].arg("action").choices, "domains")
        if action == "list":
            rules = self.store.domain_rules(message.platform, message.workspace)
            if not rules:
                return "No domain rules yet."
            return "\n".join(f"{domain}: {rule}" for domain, rule in sorted(rules.items()))
        if len(args) != 2:
            raise CommandError(f"Usage: `/sourcecheck domains {action} <domain>`.")
        domain = _domain(args[1])
        rule = None if action == "remove" else action
        if not self.store.set_domain(message.platform, message.workspace, domain, rule):
            return f"{domain} had no rule."
        self.store.log(
            message.platform,
            message.workspace,
            message.channel,
            message.author,
            f"domains {action}",
            domain,
        )
        return {
            "deny": f"I won't analyse links to {domain}.",
            "always": f"I'll always analyse links to {domain}, even in mention mode.",
            "remove": f"{domain} has no rule any more.",
        }[action]

    def _mute(self, message: Incoming, args: tuple[str, ...]) -> str:
        if len(args) != 1 or not args[0].isdigit() or not 0 < int(args[0]) <= MAX_MUTE_MINUTES:
            raise CommandError(
                f"Usage: `/sourcecheck mute <minutes>`, from 1 to {MAX_MUTE_MINUTES}."
            )
        minutes = int(args[0])
        self._set(message, "mute", f"{minutes} min", muted_until=self.clock() + minutes * 60)
        return f"Muted here for {counted(minutes, 'minute')}. `/sourcecheck unmute` ends it sooner."

    def _unmute(self, message: Incoming, args: tuple[str, ...]) -> str:
        self._set(message, "unmute", "", muted_until=None)
        return "Unmuted."

    def _stats(self, message: Incoming, args: tuple[str, ...]) -> str:
        days = _count(args, default=30, most=MAX_STATS_DAYS, usage="stats [days]")
        usage = self.store.usage(message.platform, message.workspace, days)
        replies = self.store.reply_counts(message.platform, message.workspace, days)
        if not usage.analysed:
            return f"No links analysed in the last {counted(days, 'day')}."
        share = usage.with_flags / usage.analysed
        lines = [
            f"Last {counted(days, 'day')}: {counted(usage.analysed, 'link')} analysed, "
            f"{share:.0%} with flagged claims.",
            "Domains by share of claims flagged:",
        ]
        lines += [
            f"  {domain}: {flagged:.0%} of claims ({counted(links, 'link')})"
            for domain, flagged, links in usage.top_domains
        ]
        if replies:
            lines.append("Replies posted, and dismissed, per channel:")
            busiest = sorted(replies.items(), key=lambda item: (-item[1][0], item[0]))
            lines += [
                f"  #{channel}: {posted} posted, {dismissed} dismissed"
                for channel, (posted, dismissed) in busiest[:MAX_CHANNELS_SHOWN]
            ]
        return "\n".join(lines)

    def _log(self, message: Incoming, args: tuple[str, ...]) -> str:
        count = _count(args, default=10, most=MAX_LOG, usage="log [n]")
        entries = self.store.audit_log(message.platform, message.workspace, count)
        if not entries:
            return "The audit log is empty."
        return "\n".join(map(audit_line, entries))

    def _optout(self, message: Incoming, args: tuple[str, ...]) -> str:
        self.store.set_opted_out(message.platform, message.workspace, message.author, True)
        return "Done: I'll leave your messages alone. `/sourcecheck optin` undoes it."

    def _optin(self, message: Incoming, args: tuple[str, ...]) -> str:
        self.store.set_opted_out(message.platform, message.workspace, message.author, False)
        return "Done: I'll check links in your messages again."

    def _forget_me(self, message: Incoming, args: tuple[str, ...]) -> str:
        changed = self.store.forget_member(message.platform, message.workspace, message.author)
        log.info("member.forgotten", extra={"platform": message.platform, "records": changed})
        return (
            f"Done: I removed {counted(changed, 'record')} about you (your opt-out, audit "
            "entries naming you, your id on reply records). Your messages are checked as "
            "anyone's; `/sourcecheck optout` stops that."
        )

    def _set(self, message: Incoming, action: str, detail: str, **changes) -> None:
        self.store.update_channel(
            message.platform, message.workspace, message.settings_channel, **changes
        )
        self.store.log(
            message.platform, message.workspace, message.channel, message.author, action, detail
        )


def _reply(text: str) -> Reply:
    return Reply(kind=ReplyKind.COMMAND, text=text, ephemeral=True)


def _one_of(args, options, name: str) -> str:
    choice = args[0].lower() if len(args) == 1 or (name == "domains" and args) else ""
    if choice not in options:
        raise CommandError(f"Usage: `/sourcecheck {name} {'|'.join(options)}`.")
    return choice


def _count(args: tuple[str, ...], *, default: int, most: int, usage: str) -> int:
    if not args:
        return default
    if len(args) != 1 or not args[0].isdigit() or not 0 < int(args[0]) <= most:
        raise CommandError(f"Usage: `/sourcecheck {usage}`, a number from 1 to {most}.")
    return int(args[0])


def _domain(raw: str) -> str:
    link = normalise_url(raw if "://" in raw else f"https://{raw}")
    host = domain_of(link) if link else ""
    if "." not in host:
        raise CommandError(f"`{raw}` is not a domain, e.g. `example.com`.")
    if len(host) > KEY:
        raise CommandError(f"That domain is longer than the {KEY} characters a rule can hold.")
    return host


def audit_line(entry: AuditEntry) -> str:
    """One audit entry as a line: when, where, who, what."""
    where = f"{_when(entry.at)}  #{entry.channel}  {entry.actor}"
    return f"{where}  {entry.action} {entry.detail}".rstrip()


def _when(at: float) -> str:
    return datetime.fromtimestamp(at, UTC).strftime("%Y-%m-%d %H:%M UTC")

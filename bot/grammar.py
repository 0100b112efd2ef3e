"""The one source of the `/sourcecheck` grammar: each subcommand's name, arguments, who may
use it and its help line. The parser, `/sourcecheck help`, the Discord command group and the
README's command table are all made from `GRAMMAR`."""

from dataclasses import dataclass
from enum import StrEnum

from analysis import Sensitivity


class Who(StrEnum):
    """Who may run a command (a moderator manages messages; an admin the workspace)."""

    ANYONE = "anyone"
    MODERATOR = "moderators"
    ADMIN = "workspace admins"
    POSTER = "poster or moderator"


@dataclass(frozen=True, slots=True)
class Arg:
    """One argument: a word from `choices`, a whole number, or free text."""

    name: str
    description: str
    choices: tuple[str, ...] = ()
    number: bool = False
    default: str | int | None = None


@dataclass(frozen=True, slots=True)
class Form:
    """One line of the help and the README table: a way to call a command."""

    usage: str
    who: Who
    help: str


@dataclass(frozen=True, slots=True)
class Spec:
    """A subcommand: `summary` is its one-line description (Discord's, under 100 characters);
    `forms` its help lines; `who` who may run it, except the first argument's words in
    `open_to_all` (e.g. `domains list`)."""

    name: str
    summary: str
    who: Who
    forms: tuple[Form, ...]
    args: tuple[Arg, ...] = ()
    open_to_all: tuple[str, ...] = ()
    public: bool = False
    on_discord: bool = True

    def arg(self, name: str) -> Arg:
        """The argument called `name`."""
        return next(arg for arg in self.args if arg.name == name)

    def who_for(self, args: tuple[str, ...]) -> Who:
        """Who may run this command with these arguments."""
        if args[:1] and args[0].lower() in self.open_to_all:
            return Who.ANYONE
        return self.who


LEVELS = tuple(level.value for level in Sensitivity)
GRAMMAR: tuple[Spec, ...] = (
    Spec(
        "check",
        "Analyse a link or pasted text now",
        Who.ANYONE,
        (
            Form(
                "check <url or text>", Who.ANYONE, "analyse a link or pasted text now, in any mode"
            ),
        ),
        (Arg("target", "a link, or the text to check"),),
        public=True,
    ),
    Spec(
        "enable",
        "Turn sourcecheck on here",
        Who.MODERATOR,
        (Form("enable", Who.MODERATOR, "turn the bot on in this channel"),),
    ),
    Spec(
        "disable",
        "Turn sourcecheck off here",
        Who.MODERATOR,
        (Form("disable", Who.MODERATOR, "turn the bot off in this channel"),),
    ),
    Spec(
        "mode",
        "Every link, only when mentioned, or quietly",
        Who.MODERATOR,
        (
            Form(
                "mode auto|mention|quiet",
                Who.MODERATOR,
                "every link; only when mentioned or asked; or every link read with a 👀 "
                "reaction and a reply only when something is flagged or someone asks",
            ),
        ),
        (
            Arg(
                "mode",
                "auto: every link; mention: when asked; quiet: reply only on flags",
                ("auto", "mention", "quiet"),
            ),
        ),
    ),
    Spec(
        "sensitivity",
        "How readily claims are flagged here",
        Who.MODERATOR,
        (
            Form(
                f"sensitivity {'|'.join(LEVELS)}",
                Who.MODERATOR,
                "how readily claims are flagged here",
            ),
        ),
        (Arg("level", "low flags least, high most", LEVELS),),
    ),
    Spec(
        "domains",
        "Deny, always analyse, or list domains",
        Who.ADMIN,
        (
            Form(
                "domains deny|always|remove <domain>",
                Who.ADMIN,
                "never / always (even in mention mode) analyse a site and its subdomains",
            ),
            Form("domains list", Who.ANYONE, "the workspace's domain rules"),
        ),
        (
            Arg("action", "what to do", ("deny", "always", "remove", "list")),
            Arg("domain", "a domain such as example.com", default=""),
        ),
        open_to_all=("list",),
    ),
    Spec(
        "mute",
        "Pause sourcecheck here for some minutes",
        Who.MODERATOR,
        (Form("mute <minutes>", Who.MODERATOR, "pause the bot in this channel"),),
        (Arg("minutes", "how long, in minutes", number=True),),
    ),
    Spec(
        "unmute",
        "End a pause",
        Who.MODERATOR,
        (Form("unmute", Who.MODERATOR, "end a pause"),),
    ),
    Spec(
        "stats",
        "Links analysed and flagged",
        Who.ANYONE,
        (
            Form(
                "stats [days]",
                Who.ANYONE,
                "links analysed, share with flags, domains by share of claims flagged",
            ),
        ),
        (Arg("days", "the last how many days", number=True, default=30),),
    ),
    Spec(
        "log",
        "The audit log",
        Who.ADMIN,
        (
            Form(
                "log [n]", Who.ADMIN, "the audit log: settings changes and dismissals, who and when"
            ),
        ),
        (Arg("count", "how many entries", number=True, default=10),),
    ),
    Spec(
        "optout",
        "Leave my messages alone",
        Who.ANYONE,
        (Form("optout", Who.ANYONE, "the bot leaves your own messages alone"),),
    ),
    Spec(
        "optin",
        "Check links in my messages again",
        Who.ANYONE,
        (Form("optin", Who.ANYONE, "the bot checks your messages again"),),
    ),
    Spec(
        "privacy",
        "What sourcecheck keeps, where, and for how long",
        Who.ANYONE,
        (Form("privacy", Who.ANYONE, "what the bot keeps, where and for how long"),),
    ),
    Spec(
        "forget-me",
        "Forget what sourcecheck keeps about me",
        Who.ANYONE,
        (
            Form(
                "forget-me",
                Who.ANYONE,
                "remove your opt-out, the audit entries naming you and your id on reply records",
            ),
        ),
    ),
    Spec(
        "dismiss",
        "Remove the bot's reply",
        Who.POSTER,
        (Form("dismiss", Who.POSTER, "remove the bot's reply (a button on Slack and Discord)"),),
        on_discord=False,
    ),
    Spec(
        "help",
        "What sourcecheck can do",
        Who.ANYONE,
        (Form("help", Who.ANYONE, "this list"),),
    ),
)
BY_NAME = {spec.name: spec for spec in GRAMMAR}


def help_text() -> str:
    """`/sourcecheck help`: one line per form, with who may use it."""
    rows = [(f"/sourcecheck {f.usage}", f"{f.help} ({f.who})") for s in GRAMMAR for f in s.forms]
    width = max(len(usage) for usage, _ in rows)
    return "\n".join(f"{usage:<{width}}  {text}" for usage, text in rows)


def markdown_table() -> str:
    """The README's command table."""
    lines = ["| Command | Who | What |", "|---|---|---|"]
    for spec in GRAMMAR:
        for form in spec.forms:
            usage = form.usage.replace("|", "\\|")
            lines.append(f"| `/sourcecheck {usage}` | {form.who} | {form.help} |")
    return "\n".join(lines)

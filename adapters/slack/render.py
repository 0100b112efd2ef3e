"""Replies as Slack Block Kit, always within Slack's limits, with a plain-text fallback.

Every text that comes from an article or a user goes through `escape` (one place), and every
mrkdwn object is `verbatim`, so nothing in an article pings anyone or becomes a link.
"""

import time
from typing import Any

from bot import ChannelSettings, Digest, Home, Reply
from bot.commands import audit_line

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_TEXT = 3000
FLAGS_SHOWN = 10
ALL_FLAGS = 40
SHOW_ALL = "sourcecheck_show_all"
CHART_WIDTH = 20
DAY_SECONDS = 86_400
ABOUT = (
    "I read the links posted in the channels I'm in, write a short summary, and list the "
    "claims stated with no source, or only a vague one, in the link's thread. "
    "`/sourcecheck check <link>` asks me about one; `/sourcecheck help` lists the commands; "
    "`/sourcecheck privacy` says what I keep."
)
NO_CHANNELS = (
    "No channel has settings of its own yet: in every channel I'm in, I check every link "
    "at the default sensitivity."
)
MODES = {"auto": "every link", "mention": "when asked", "quiet": "quietly (👀, replies on flags)"}
DISMISS = "sourcecheck_dismiss"


def escape(text: str) -> str:
    """Text from an article or a user, made inert in mrkdwn: `&`, `<` and `>` escaped, so
    `<!channel>`, `<@U1>` and `<https://x|label>` are shown, never acted on."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def reply_blocks(
    reply: Reply, *, flags_shown: int = FLAGS_SHOWN, buttons: bool = True
) -> tuple[str, list[dict[str, Any]]]:
    """The fallback text and the blocks for a reply (with Show all and Dismiss buttons)."""
    fallback = _clip(escape(reply.text), MAX_TEXT)
    if not reply.reports:
        return fallback, [_section(escape(reply.text))]
    blocks: list[dict[str, Any]] = []
    cut_any = False
    for outcome in reply.outcomes:
        if outcome.report is None:
            blocks.append(_section(outcome.error_line(escape)))
            continue
        digest = Digest.of(outcome.report).cut(flags_shown)
        cut_any |= digest.omitted > 0
        blocks += digest_blocks(digest)
    if not buttons:
        return fallback, blocks[:MAX_BLOCKS]
    blocks = [*blocks[: MAX_BLOCKS - 1], _buttons(show_all=cut_any)]
    return fallback, blocks


def digest_blocks(digest: Digest) -> list[dict[str, Any]]:
    """A header, the summary, the flags (one section each), sources and counts."""
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": _clip(digest.title, MAX_HEADER)}}
    ]
    if digest.summary:
        blocks.append(_section("*Summary:* " + escape(" ".join(digest.summary))))
    if digest.flags:
        blocks.append(_section(f"*Flagged {digest.stats.flagged} (no source, or a vague one):*"))
    else:
        blocks.append(_section("No unsourced assertions flagged."))
    for number, flag in enumerate(digest.flags, 1):
        reasons = escape("; ".join(flag.reasons))
        blocks.append(_section(f"{number}. “{escape(flag.text)}”\n_{reasons}_"))
    if digest.omitted:
        blocks.append(_section(f"…and {digest.omitted} more."))
    blocks.append(
        {
            "type": "context",
            "elements": [
                {
                    "type": "mrkdwn",
                    "verbatim": True,
                    "text": _clip(digest.footer(escape), MAX_SECTION),
                }
            ],
        }
    )
    return blocks


def home_view(home: Home) -> dict[str, Any]:
    """The App Home tab: what the bot does and each channel's setup; for moderators the
    domain rules, the last 30 days as bars and the audit log. A dozen blocks at most, each
    within Slack's limits, however many channels, rules and entries there are."""
    blocks = [_header("sourcecheck"), _section(ABOUT), _header("Channels")]
    blocks.append(
        _section(
            _lines(
                [_channel_line(c, s, home.now) for c, s in home.channels.items()],
                NO_CHANNELS,
                "channels",
            )
        )
    )
    if home.moderator:
        rules = [f"{rule}: {escape(domain)}" for domain, rule in sorted(home.rules.items())]
        blocks += [_header("Domain rules"), _section(_lines(rules, "None.", "rules"))]
        blocks += [
            _header(f"The last {len(home.days)} days"),
            _section(_chart(home.days, home.now)),
        ]
        entries = [escape(audit_line(entry)) for entry in home.audit]
        blocks += [_header("Audit log"), _section(_lines(entries, "Empty.", "entries"))]
    return {"type": "home", "blocks": blocks}


def _channel_line(channel: str, settings: ChannelSettings, now: float) -> str:
    if not settings.enabled:
        state = "off"
    elif settings.muted(now):
        state = f"muted until {time.strftime('%H:%M UTC', time.gmtime(settings.muted_until))}"
    else:
        state = MODES.get(settings.mode, settings.mode)
    level = settings.sensitivity.value if settings.sensitivity else "default"
    return f"<#{escape(channel)}>: {state}, sensitivity {level}"


def _lines(lines: list[str], empty: str, noun: str) -> str:
    """Lines that fit one section, with how many more were left out."""
    if not lines:
        return empty
    shown, size = [], 0
    for line in lines:
        if size + len(line) + 1 > MAX_SECTION - 40:
            break
        shown.append(line)
        size += len(line) + 1
    more = len(lines) - len(shown)
    return "\n".join(shown + ([f"…and {more} more {noun}."] if more else []))


def _chart(days: list[tuple[int, int]], now: float) -> str:
    """Links analysed per day as bars (those with flags darker), in a code block."""
    top = max((links for links, _ in days), default=0) or 1
    rows = []
    for index, (links, flagged) in enumerate(days):
        day = time.strftime("%m-%d", time.gmtime(now - (len(days) - 1 - index) * DAY_SECONDS))
        dark = round(CHART_WIDTH * flagged / top)
        bar = "█" * dark + "▒" * (round(CHART_WIDTH * links / top) - dark)
        rows.append(f"{day} {bar.ljust(CHART_WIDTH)} {links} ({flagged} flagged)")
    return "```\n" + "\n".join(rows) + "\n```"


def _header(text: str) -> dict[str, Any]:
    return {"type": "header", "text": {"type": "plain_text", "text": _clip(text, MAX_HEADER)}}


def _buttons(*, show_all: bool) -> dict[str, Any]:
    """Show all (the bot finds the reply's report by the reply's id) and Dismiss."""
    elements = []
    if show_all:
        elements.append(_button("Show all", SHOW_ALL, "show_all"))
    elements.append(_button("Dismiss", DISMISS, "dismiss"))
    return {"type": "actions", "elements": elements}


def _button(label: str, action_id: str, value: str) -> dict[str, Any]:
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": label},
        "action_id": action_id,
        "value": value or "-",
    }


def _section(text: str) -> dict[str, Any]:
    """A section of mrkdwn; `verbatim` keeps Slack from turning bare links and names into
    links and mentions."""
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": _clip(text, MAX_SECTION), "verbatim": True},
    }


def _clip(text: str, limit: int) -> str:
    """At most `limit` characters, never empty (Slack refuses empty texts)."""
    text = text.strip() or "…"
    return text if len(text) <= limit else text[: limit - 1] + "…"

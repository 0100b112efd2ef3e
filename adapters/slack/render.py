"""Replies as Slack Block Kit, always within Slack's limits, with a plain-text fallback.

Every text that comes from an article or a user goes through `escape` (one place), and every
mrkdwn object is `verbatim`, so nothing in an article pings anyone or becomes a link.
"""

from typing import Any

from bot import Digest, Reply

MAX_BLOCKS = 50
MAX_SECTION = 3000
MAX_HEADER = 150
MAX_TEXT = 3000
FLAGS_SHOWN = 10
ALL_FLAGS = 40
SHOW_ALL = "sourcecheck_show_all"
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

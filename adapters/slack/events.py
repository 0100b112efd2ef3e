"""Slack payloads -> the core's `Incoming`: which events count, and links decoded."""

import html
import re
from typing import Any

from bot import Incoming

PLATFORM = "slack"
ANSWERED_SUBTYPES = frozenset({None, "thread_broadcast", "file_share"})
SLACK_LINK = re.compile(r"<([^<>|]+)(?:\|[^<>]*)?>")


def decode_text(text: str) -> str:
    """Slack's mrkdwn to the core's text: `<url|label>` -> `<url>`, `&amp;` -> `&`."""
    return html.unescape(SLACK_LINK.sub(r"<\1>", text))


def rich_text_links(blocks: list[dict[str, Any]] | None) -> tuple[str, ...]:
    """Every `link` element's URL in a message's rich_text blocks, outside code (a code
    block, or a link styled as code), as links in code are never analysed."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "rich_text_preformatted" or (node.get("style") or {}).get(
                "code"
            ):
                return
            if node.get("type") == "link" and isinstance(node.get("url"), str):
                found.append(node["url"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks or [])
    return tuple(found)


def incoming(
    event: dict[str, Any],
    *,
    team: str,
    bot_user: str | None,
    event_id: str | None,
    mentioned: bool = False,
) -> Incoming | None:
    """The core's view of a `message` or `app_mention` event, or None if it is not one to
    answer (edits, deletions, unfurls, bot messages, our own)."""
    if event.get("subtype") not in ANSWERED_SUBTYPES:
        return None
    user = event.get("user")
    if not user or event.get("bot_id") or user == bot_user:
        return None
    text = event.get("text") or ""
    return Incoming(
        platform=PLATFORM,
        workspace=team,
        channel=event["channel"],
        message_id=event["ts"],
        thread=event.get("thread_ts"),
        event_id=event_id,
        author=user,
        text=decode_text(text),
        mentioned=mentioned or bool(bot_user and f"<@{bot_user}>" in text),
        links=rich_text_links(event.get("blocks")),
    )

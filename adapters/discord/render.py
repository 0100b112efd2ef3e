"""Replies as Discord embeds, always within Discord's limits, with Show all and Dismiss.

Every text that comes from an article or a user goes through `escape` (one place): no
markdown, no masked links, no mentions, no bare links, only what the bot writes itself.
"""

import re

import discord

from bot import Digest, Reply

TITLE = 256
DESCRIPTION = 4096
FIELDS = 25
FIELD_VALUE = 1024
TOTAL = 6000
EMBEDS = 10
FLAGS_SHOWN = 10
ALL_FLAGS = 24
SHOW_ALL = "sourcecheck:show_all"
DISMISS = "sourcecheck:dismiss"


LINK_SCHEME = re.compile(r"(?i)\b(https?|ftp|discord)://")
ZERO_WIDTH = "\u200b"
UNESCAPED_BRACKET = re.compile(r"(?<!\\)[\[\]]")


def escape(text: str) -> str:
    """Text from an article or a user, made inert: markdown and `[label](url)` escaped,
    mentions broken, and links shown as text (a zero-width space after the scheme)."""
    text = discord.utils.escape_markdown(text)
    text = UNESCAPED_BRACKET.sub(lambda m: "\\" + m.group(0), text)
    text = discord.utils.escape_mentions(text).replace("<", "<" + ZERO_WIDTH)
    return LINK_SCHEME.sub(lambda m: m.group(1) + ":" + ZERO_WIDTH + "//", text)


def reply_embeds(
    reply: Reply, *, flags_shown: int = FLAGS_SHOWN
) -> tuple[str, list[discord.Embed], bool]:
    """Plain content (errors, command answers), the embeds, and whether anything was cut."""
    if not reply.reports:
        return _clip(escape(reply.text), 2000), [], False
    embeds, notes, cut = [], [], False
    for outcome in reply.outcomes:
        if outcome.report is None:
            notes.append(outcome.error_line(escape))
            continue
        digest = Digest.of(outcome.report).cut(min(flags_shown, FIELDS - 1), FIELD_VALUE - 100)
        cut |= digest.omitted > 0
        embeds.append(digest_embed(digest))
    return _clip("\n".join(notes), 2000), _within_total(embeds[:EMBEDS]), cut


def digest_embed(digest: Digest) -> discord.Embed:
    """One report: title, summary, one field per flag, sources and counts in the footer."""
    summary = escape(" ".join(digest.summary)) or "No summary."
    embed = discord.Embed(
        title=_clip(escape(digest.title), TITLE),
        url=digest.url or None,
        description=_clip(summary, DESCRIPTION),
    )
    for number, flag in enumerate(digest.flags, 1):
        value = f"“{escape(flag.text)}”\n*{escape('; '.join(flag.reasons))}*"
        embed.add_field(
            name=f"{number}. {flag.status}", value=_clip(value, FIELD_VALUE), inline=False
        )
    if digest.omitted:
        embed.add_field(name="…", value=f"and {digest.omitted} more", inline=False)
    embed.set_footer(text=_clip(digest.footer(escape), 2048))
    return embed


def _within_total(embeds: list[discord.Embed]) -> list[discord.Embed]:
    kept, total = [], 0
    for embed in embeds:
        while len(embed) + total > TOTAL and embed.fields:
            embed.remove_field(len(embed.fields) - 1)
        if len(embed) + total > TOTAL:
            break
        kept.append(embed)
        total += len(embed)
    return kept


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"

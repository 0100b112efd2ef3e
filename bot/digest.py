"""What a reply says about one report, independent of any platform's markup.

The platform renderers (Slack Block Kit, Discord embeds) lay out a Digest; `cut()` keeps
the reply within a platform's limits and records what was left out, so the reply can say
"and N more".
"""

from collections.abc import Callable
from dataclasses import dataclass, replace

from analysis import Report, Stats
from analysis.render import LONG_ARTICLE, counted, shorten


@dataclass(frozen=True, slots=True)
class Flag:
    """One flagged assertion and why it was flagged."""

    text: str
    status: str
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Digest:
    """A report as a reply shows it."""

    title: str
    url: str | None
    site: str | None
    summary: tuple[str, ...]
    flags: tuple[Flag, ...]
    sources: tuple[str, ...]
    stats: Stats
    sensitivity: str
    truncated: bool = False
    omitted: int = 0

    @classmethod
    def of(cls, report: Report) -> "Digest":
        """The digest of `report`: every flag, in article order."""
        return cls(
            title=report.title or report.url or report.input,
            url=report.url,
            site=report.site,
            summary=report.marked_summary(),
            flags=tuple(
                Flag(s.text, str(s.status), s.reasons or ("no source given",))
                for s in report.flagged
            ),
            sources=tuple(s.name for s in report.named_sources()),
            stats=report.stats,
            sensitivity=str(report.sensitivity),
            truncated=report.truncated,
        )

    def footer(self, escape: Callable[[str], str]) -> str:
        """The line under a reply: sources named, counts, sensitivity, and whether only the
        start of a very long article was read; article text passes through `escape`."""
        stats = self.stats
        sources = escape(", ".join(self.sources)) or "none"
        line = (
            f"Sources named: {sources} · {counted(stats.claims, 'claim')}, "
            f"{stats.sourced} sourced, "
            f"{stats.unsourced} no source given, {stats.vague} vague "
            f"(sensitivity {self.sensitivity})"
        )
        return f"{line} · {LONG_ARTICLE}" if self.truncated else line

    def cut(self, max_flags: int, max_quote: int = 300) -> "Digest":
        """At most `max_flags` flags, each quote at most `max_quote` characters."""
        kept = tuple(
            replace(flag, text=shorten(flag.text, max_quote)) for flag in self.flags[:max_flags]
        )
        return replace(self, flags=kept, omitted=self.omitted + len(self.flags) - len(kept))

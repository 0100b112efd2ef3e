"""Plain-text rendering of a report, as the bot's reply reads (console and command line)."""

import textwrap

from analysis.extract import MAX_BODY_CHARS
from analysis.report import Report, Sentence

MAX_QUOTE = 220
LONG_ARTICLE = f"a very long article: only its first {MAX_BODY_CHARS:,} characters were read"


def render_text(report: Report, *, explain: bool = False, width: int = 100) -> str:
    """The reply: headline, summary, flagged assertions with reasons, and named sources.

    With `explain`, every sentence follows with its verdict and the cue words behind it.
    """
    lines: list[str] = []
    heading = report.title or report.url or report.input
    lines.append(f"{heading} ({report.site})" if report.site else heading)
    if report.summary:
        lines += ["", "Summary:", *textwrap.wrap(" ".join(report.marked_summary()), width)]
    stats = report.stats
    lines += ["", _flag_heading(report)]
    for number, sentence in enumerate(report.flagged, 1):
        lines += _flag_lines(number, sentence, width)
    sources = report.named_sources()
    names = ", ".join(s.name for s in sources) if sources else "none"
    lines += ["", f"Sources the article names: {names}"]
    lines.append(
        f"{counted(stats.sentences, 'sentence')}, {counted(stats.claims, 'claim')}: "
        f"{stats.sourced} sourced, "
        f"{stats.unsourced} with no source given, {stats.vague} with a vague source "
        f"(sensitivity {report.sensitivity})."
    )
    if report.truncated:
        lines.append(LONG_ARTICLE[0].upper() + LONG_ARTICLE[1:] + ".")
    if explain:
        lines += ["", "Every sentence:"]
        lines += [_explain_line(s) for s in report.sentences]
    return "\n".join(lines)


def _flag_heading(report: Report) -> str:
    count = report.stats.flagged
    if count == 0:
        return "No unsourced assertions flagged."
    noun = "assertion" if count == 1 else "assertions"
    return f"Flagged {count} {noun} (no source, or a vague one):"


def _flag_lines(number: int, sentence: Sentence, width: int) -> list[str]:
    quote = shorten(sentence.text, MAX_QUOTE)
    reason = "; ".join(sentence.reasons) or "no source given"
    first = textwrap.wrap(f"{number}. “{quote}”", width, subsequent_indent="   ")
    return [
        *first,
        *textwrap.wrap(f"— {reason}", width, initial_indent="   ", subsequent_indent="     "),
    ]


def _explain_line(sentence: Sentence) -> str:
    mark = "FLAG" if sentence.flagged else "    "
    cues = ", ".join(sentence.cues) or "-"
    verdict = f"{sentence.kind}/{sentence.status} {sentence.score:.2f}"
    return f"  {mark} [{verdict}] {shorten(sentence.text, 90)}  <{cues}>"


def shorten(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, with an ellipsis."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def counted(number: int, noun: str) -> str:
    """`number` and `noun`, plural unless the number is one ("1 claim", "3 claims")."""
    return f"{number} {noun if number == 1 else noun + 's'}"

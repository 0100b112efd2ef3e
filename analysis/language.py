"""A cheap English check: articles in other languages get a clear message, not a bad analysis."""

import re

from analysis.errors import AnalysisError, ErrorCode

_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
ENGLISH_FUNCTION_WORDS = frozenset(
    [
        "the",
        "of",
        "and",
        "to",
        "a",
        "in",
        "is",
        "that",
        "for",
        "it",
        "on",
        "was",
        "with",
        "as",
        "he",
        "she",
        "be",
        "by",
        "at",
        "this",
        "have",
        "from",
        "or",
        "are",
        "not",
        "but",
        "his",
        "her",
        "they",
        "an",
        "which",
        "you",
        "we",
        "has",
        "had",
        "been",
        "were",
        "their",
        "will",
        "would",
        "said",
        "its",
        "who",
        "more",
        "also",
        "there",
        "when",
        "one",
        "all",
        "about",
        "than",
        "after",
        "into",
        "can",
        "so",
        "if",
        "what",
        "up",
        "out",
        "no",
        "new",
        "them",
        "only",
    ]
)
MIN_WORDS = 25
MIN_SHARE = 0.12


def check_english(text: str) -> None:
    """Raise AnalysisError(unsupported_language) when `text` is clearly not English."""
    words = _WORD.findall(text[:20_000].lower())
    if len(words) < MIN_WORDS:
        return
    share = sum(w in ENGLISH_FUNCTION_WORDS for w in words) / len(words)
    if share < MIN_SHARE:
        raise AnalysisError(
            ErrorCode.UNSUPPORTED_LANGUAGE, "Only English articles are analysed for now."
        )

"""Summary: two or three of the article's own sentences, at most 75 words.

Lead sentences carry most news articles (LEAD-3 is a strong baseline), so candidates are
taken in order from the top, cleaned of datelines and alarm words, skipping page furniture,
questions and sentences too short to inform; they are packed greedily under the word cap.
"""

import re

from analysis.report import Kind, Sentence

MAX_WORDS = 75
MAX_SENTENCES = 3
MIN_WORDS = 6
LOOKAHEAD = 8
_ALARM = re.compile(
    r"^\s*(?:breaking(?: news)?|alert|just in|update[d]?|watch|exclusive|urgent|developing)"
    r"\s*[:!\-–—]+\s*",
    re.IGNORECASE,
)
_DATELINE = re.compile(
    r"^\s*(?:\(?[A-Z][A-Za-z.]*(?:[ ,]+[A-Z][A-Za-z.]*){0,4}\)?\s*(?:\([A-Za-z .]+\))?\s*)"
    r"(?:—|–|--|-)\s+"
)
_OUTLET_TAG = re.compile(r"^\s*\((?:CNN|AP|Reuters|AFP)\)\s*(?:—|–|--|-)?\s*")
_BYLINE = re.compile(r"^\s*(?:by|written by|posted by)\s+[A-Z]", re.IGNORECASE)


def summarise(sentences: list[Sentence]) -> list[str]:
    """Pick up to three sentences (at most 75 words in all) that open the article."""
    candidates = [clean_sentence(s.text) for s in sentences if _usable(s)][:LOOKAHEAD]
    candidates = [c for c in candidates if len(c.split()) >= MIN_WORDS]
    chosen: list[str] = []
    total = 0
    for text in candidates:
        words = len(text.split())
        if total + words > MAX_WORDS:
            continue
        chosen.append(text)
        total += words
        if len(chosen) == MAX_SENTENCES:
            break
    if not chosen and candidates:
        chosen = [_cut(candidates[0])]
    return chosen


def clean_sentence(text: str) -> str:
    """Strip alarm words, outlet tags and datelines from the front of a sentence."""
    text = _ALARM.sub("", text)
    text = _OUTLET_TAG.sub("", text)
    dateline = _DATELINE.match(text)
    if dateline and len(dateline.group(0).split()) <= 6:
        text = text[dateline.end() :]
    text = " ".join(text.split())
    return text[:1].upper() + text[1:]


def _usable(sentence: Sentence) -> bool:
    if sentence.kind in (Kind.QUESTION,) or "boilerplate" in sentence.cues:
        return False
    return not _BYLINE.match(sentence.text)


def _cut(text: str) -> str:
    words = text.split()
    return text if len(words) <= MAX_WORDS else " ".join(words[:MAX_WORDS]) + "…"

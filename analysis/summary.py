"""Summary: two or three of the article's own sentences, at most 75 words.

Extractive and coverage-based: among the first sentences (news puts its substance up
front), choose the set of up to three, within 75 words, that covers the most of the
article's frequent content words, each word weighted by how often the article uses it and
by how early the sentence covering it stands. Datelines and alarm words are cleaned off;
page furniture and questions are never picked.

Faithful by construction: a sentence that opens with a pronoun or a connective ("He said",
"But the council ...") is taken only right after the sentence before it, which resolves it;
a sentence whose quotation the splitter cut (an opening quote mark with no closing one, or
the reverse) is never taken. Extractive summaries mislead most through exactly these.
"""

import re
from collections import Counter
from dataclasses import dataclass
from itertools import combinations

from spacy.tokens import Doc

from analysis.report import Kind, Sentence, SourceKind, Status

CONNECTIVES = frozenset(
    "but however and also yet so still meanwhile instead moreover furthermore besides "
    "nevertheless nonetheless thus therefore or nor".split()
)
OPENERS = CONNECTIVES | frozenset(
    "he she it they his her its their him them".split()
)  # pronouns and connectives that need the sentence before them
MAX_WORDS = 75
MAX_SENTENCES = 3
MIN_WORDS = 6
LOOKAHEAD = 6
POSITION_DECAY = 0.9
SOURCED_CHOICES = 4  # sentences past the lead that name a source, considered for the summary
SOURCE_LOOKAHEAD = 2 * LOOKAHEAD  # how far past the lead the summary looks for a source
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


def summarise(sentences: list[Sentence], doc: Doc) -> list[tuple[int, str]]:
    """Pick up to three sentences (at most 75 words in all) that best cover the article:
    each as its index in `sentences` and its cleaned text, in article order."""
    lemmas = [_content_lemmas(doc, s) for s in sentences]
    weights = Counter(lemma for found in lemmas for lemma in found)
    candidates = [
        _Candidate(index, text, len(text.split()), lemmas[index], names_source(sentence))
        for index, sentence in enumerate(sentences)
        if _usable(sentence)
        for text in [_without_connective(clean_sentence(sentence.text))]
        if len(text.split()) >= MIN_WORDS and not cuts_quote(text)
    ]
    leads = [c for c in candidates if c.index < LOOKAHEAD]
    sourced = sorted(
        (c for c in candidates if c.sourced and LOOKAHEAD <= c.index < SOURCE_LOOKAHEAD),
        key=lambda c: -_coverage((c,), weights),
    )[:SOURCED_CHOICES]
    must_source = any(c.sourced for c in leads + sourced)
    best = _best(leads + sourced, weights, must_source) or _best(leads, weights, False)
    if best is None:
        alone = [c for c in candidates if not opens_unresolved(c.text)]
        return [(alone[0].index, _cut(alone[0].text))] if alone else []
    return [(c.index, c.text) for c in best[1]]


def _best(
    candidates: list["_Candidate"], weights: Counter[str], must_source: bool
) -> tuple[float, tuple["_Candidate", ...]] | None:
    """The set of up to three candidates within the word budget that covers the most,
    holding a sentence that names its source when `must_source` (the article's answer,
    rebuttal or authority belongs in its summary)."""
    best: tuple[float, tuple[_Candidate, ...]] | None = None
    for size in range(MAX_SENTENCES, 0, -1):
        for combination in combinations(candidates, size):
            if sum(c.words for c in combination) > MAX_WORDS or _dangling(combination):
                continue
            if must_source and not any(c.sourced for c in combination):
                continue
            score = _coverage(combination, weights)
            if best is None or score > best[0]:
                best = (score, combination)
    return best


def names_source(sentence: Sentence) -> bool:
    """Whether a sentence says where it comes from, by name (not a vague source)."""
    return sentence.status is Status.SOURCED and any(
        source.kind is not SourceKind.VAGUE for source in sentence.sources
    )


def _without_connective(text: str) -> str:
    """A sentence without the connective it opens with ("However, the agency said ..."
    becomes "The agency said ..."): out of its paragraph, the link is unresolved."""
    first = re.match(r"([A-Za-z]+),?\s+", text)
    if first is None or first.group(1).lower() not in CONNECTIVES:
        return text
    rest = text[first.end() :]
    return rest[:1].upper() + rest[1:]


def opens_unresolved(text: str) -> bool:
    """Whether a sentence opens with a pronoun or connective that needs the one before."""
    first = re.match(r"[\W_]*([A-Za-z]+)", text)
    return bool(first) and first.group(1).lower() in OPENERS


def cuts_quote(text: str) -> bool:
    """Whether a sentence holds half a quotation (the splitter cut it)."""
    return text.count('"') % 2 == 1 or text.count("“") != text.count("”")


def _dangling(combination: tuple["_Candidate", ...]) -> bool:
    """A sentence opening with a pronoun or connective without the sentence before it."""
    chosen = {c.index for c in combination}
    return any(c.opens_unresolved and c.index - 1 not in chosen for c in combination)


@dataclass(frozen=True, slots=True)
class _Candidate:
    index: int
    text: str
    words: int
    lemmas: frozenset[str]
    sourced: bool

    @property
    def opens_unresolved(self) -> bool:
        return opens_unresolved(self.text)


def _coverage(combination: tuple[_Candidate, ...], weights: Counter[str]) -> float:
    covered: dict[str, float] = {}
    for candidate in combination:
        early = POSITION_DECAY**candidate.index
        for lemma in candidate.lemmas:
            covered[lemma] = max(covered.get(lemma, 0.0), early)
    return sum(weights[lemma] * early for lemma, early in covered.items())


def _content_lemmas(doc: Doc, sentence: Sentence) -> frozenset[str]:
    span = doc.char_span(sentence.start, sentence.end, alignment_mode="expand")
    if span is None:
        return frozenset()
    return frozenset(t.lemma_.lower() for t in span if t.is_alpha and not t.is_stop)


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

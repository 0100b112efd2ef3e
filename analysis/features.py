"""Sentence features for the trained classifiers, read from spaCy's parse.

One function for training and for use, so the two never drift apart: word and lemma
unigrams, word bigrams, part-of-speech tags, entity labels, each verb with its dependency
role, its clause and its subject's type, quotation marks, and (for attribution) what the
sentence before it and the open quotation around it say.
"""

import re
from dataclasses import dataclass

from spacy.tokens import Span, Token

from analysis.docindex import index_of

VERB_CHILD_DEPS = frozenset(
    {"nsubj", "nsubjpass", "ccomp", "xcomp", "dobj", "agent", "prep", "advcl", "parataxis"}
)
QUOTE_MARKS = ('"', "“", "”", "''", "``", "‘", "’")
OPEN_QUOTES = "“«"
CLOSE_QUOTES = "”»"
SINGLE_OPEN = re.compile(r"(?:^|(?<=[\s(\[:—–-]))['‘](?=[\w…])")
SINGLE_CLOSE = re.compile(r"(?<=[.!?,…])['’](?=\s|$)")


@dataclass(frozen=True, slots=True)
class Surroundings:
    """Where a sentence stands: after which sentence, at a paragraph start, inside a quote."""

    previous: Span | None = None
    new_paragraph: bool = True
    in_quote: bool = False


def quote_open_after(text: str, open_before: bool) -> bool:
    """Whether a quotation is still open after `text`, given whether one was open before it."""
    opens = sum(text.count(q) for q in OPEN_QUOTES)
    closes = sum(text.count(q) for q in CLOSE_QUOTES)
    if opens != closes:
        return opens > closes
    straight = text.count('"') + text.count("''") + text.count("``")
    if straight or opens:
        return open_before != (straight % 2 == 1)
    return _single_quote_open_after(text.strip(), open_before)


def _single_quote_open_after(text: str, open_before: bool) -> bool:
    """British style: a single mark after a space, a colon or a dash and before a letter
    opens a quotation ("said: 'The ferry"); one after final punctuation closes it (".'").
    Apostrophes ("don't", "players' ") do neither."""
    marks = [(m.start(), True) for m in SINGLE_OPEN.finditer(text)]
    marks += [(m.start(), False) for m in SINGLE_CLOSE.finditer(text)]
    return max(marks)[1] if marks else open_before


def sentence_features(span: Span) -> dict[str, float]:
    """The features of one sentence on its own."""
    features: dict[str, float] = {}
    words = [t for t in span if not t.is_space]
    lowers = [t.lower_ for t in words]
    for token in words:
        if not token.is_punct:
            features[f"w={token.lower_}"] = 1.0
            features[f"l={token.lemma_.lower()}"] = 1.0
        features[f"t={token.tag_}"] = 1.0
    for left, right in zip(["<s>", *lowers], [*lowers, "</s>"], strict=True):
        features[f"b={left}_{right}"] = 1.0
    for entity in index_of(span.doc).entities_in(span):
        features[f"e={entity.label_}"] = 1.0
    for token in words:
        if token.pos_ in ("VERB", "AUX"):
            _verb_features(token, features)
    text = span.text
    if any(q in text for q in QUOTE_MARKS):
        features["q=any"] = 1.0
    if text.lstrip().startswith(QUOTE_MARKS):
        features["q=start"] = 1.0
    if text.rstrip().endswith(QUOTE_MARKS):
        features["q=end"] = 1.0
    features[f"len={min(len(words) // 5, 8)}"] = 1.0
    return features


def attribution_features(span: Span, where: Surroundings) -> dict[str, float]:
    """The features of a sentence together with what surrounds it."""
    features = sentence_features(span)
    features["ctx=new_paragraph" if where.new_paragraph else "ctx=same_paragraph"] = 1.0
    if where.in_quote:
        features["ctx=in_quote"] = 1.0
    if where.previous is not None:
        previous = where.previous
        for token in previous:
            if token.pos_ in ("VERB", "AUX") and token.dep_ in ("ROOT", "conj"):
                features[f"p.v={token.lemma_.lower()}"] = 1.0
        text = previous.text.rstrip()
        if text.endswith(":"):
            features["p=colon"] = 1.0
        if text.endswith(QUOTE_MARKS):
            features["p=quote_end"] = 1.0
    return features


def _verb_features(verb: Token, features: dict[str, float]) -> None:
    lemma = verb.lemma_.lower()
    features[f"v={lemma}|{verb.dep_}"] = 1.0
    for child in verb.children:
        if child.dep_ not in VERB_CHILD_DEPS:
            continue
        features[f"vc={lemma}>{child.dep_}"] = 1.0
        features[f"c={child.dep_}"] = 1.0
        if child.dep_ in ("nsubj", "nsubjpass", "agent"):
            kind = _subject_kind(child)
            features[f"vs={lemma}>{kind}"] = 1.0
            features[f"s={kind}"] = 1.0
            if child.i > verb.i:
                features["inverted"] = 1.0


def _subject_kind(token: Token) -> str:
    if token.ent_type_:
        return token.ent_type_
    if token.pos_ == "PRON":
        return f"PRON:{token.lower_}"
    return token.pos_

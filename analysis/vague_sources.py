"""Vague sources: the unnamed source a sentence leans on, found among its phrases by a model.

A vague source stands where a source stands and names no one: an indefinite or plural
subject or passive agent ("some analysts", "a source close to the family", "critics"), an
adverb of the verb ("reportedly", "widely"), a passive with no agent ("has been accused",
"is considered"), or a subject that is a common noun ("the rumours"). Each such phrase is a
candidate. A logistic regression trained on labelled articles (`make train`: the phrases
readers gave as the vague source of a `V` sentence against every other candidate) weighs
its head word, its determiners, its role, the verb it hangs on, and the word vectors of
both, so a noun never seen in training ("commentators") is judged by the nouns it is like.
The strongest candidate at or above the model's threshold is the sentence's vague source,
and the reply quotes it.
"""

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from spacy.tokens import Span, Token

from analysis.attribution import SUBJECT_DEPS
from analysis.linear import LinearModel, sigmoid

MODIFIER_DEPS = frozenset({"det", "amod", "nummod", "compound", "predet"})
PASSIVE_LEAD_DEPS = frozenset({"aux", "auxpass", "nsubjpass"})
DESCRIBING_DEPS = frozenset({"det", "amod", "nummod", "predet"})
VECTOR_SCALE = 0.3
VECTOR_PREFIXES = ("hv", "gv")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A phrase that may be the sentence's vague source: its word features, and the word
    vectors of its head and of the word it hangs on (None where the model has none)."""

    phrase: str
    words: dict[str, float]
    vectors: tuple[np.ndarray | None, np.ndarray | None]

    @property
    def features(self) -> dict[str, float]:
        """All of the candidate's features by name, as the trainer takes them."""
        features = dict(self.words)
        for prefix, vector in zip(VECTOR_PREFIXES, self.vectors, strict=True):
            if vector is not None:
                features.update(
                    (f"{prefix}{i}", float(v) * VECTOR_SCALE) for i, v in enumerate(vector)
                )
        return features


class Scorer:
    """A vague-source model ready to score candidates: the vector weights as arrays, so a
    candidate costs two dot products rather than six hundred look-ups."""

    def __init__(self, model: LinearModel, width: int) -> None:
        self.model = model
        self.vector_weights = [
            np.array([model.weights.get(f"{prefix}{i}", 0.0) for i in range(width)]) * VECTOR_SCALE
            for prefix in VECTOR_PREFIXES
        ]

    def probability(self, candidate: Candidate) -> float:
        """P(the candidate is the sentence's vague source); the same as `model.probability`
        of its features."""
        total = self.model.logit(candidate.words)
        for weights, vector in zip(self.vector_weights, candidate.vectors, strict=True):
            if vector is not None:
                total += float(weights @ vector)
        return sigmoid(total)


def candidates(span: Span) -> list[Candidate]:
    """Every phrase of `span` that stands where a source stands and names no one."""
    return [
        Candidate(_phrase(token, role).text, _features(token, role), _vectors(token))
        for token, role in _roles(span)
    ]


def strongest(scorer: Scorer, span: Span) -> tuple[float, str | None]:
    """The highest probability over the candidates of `span`, and the phrase that has it
    when it reaches the model's threshold (else None: no vague source to show)."""
    scored = [(scorer.probability(c), c.phrase) for c in candidates(span)]
    probability, phrase = max(scored, key=lambda pair: pair[0], default=(0.0, None))
    return probability, phrase if probability >= scorer.model.threshold else None


def _roles(span: Span) -> Iterator[tuple[Token, str]]:
    """The tokens that head a candidate, each with its role."""
    for token in span:
        if token.ent_type_ or token.pos_ == "PROPN":
            continue
        if token.pos_ == "ADV" and token.dep_ == "advmod" and token.head.pos_ in ("VERB", "AUX"):
            yield token, "adverb"
        elif token.pos_ == "VERB" and _agentless_passive(token):
            yield token, "passive"
        elif _source_slot(token) and token.pos_ == "PRON":
            if "Prs" not in token.morph.get("PronType"):
                yield token, "pronoun"
        elif _source_slot(token) and token.pos_ == "NOUN":
            yield token, "indefinite" if _indefinite(token) else "common"


def _source_slot(token: Token) -> bool:
    """A subject, or the object of a passive's "by"."""
    return token.dep_ in SUBJECT_DEPS or (token.dep_ == "pobj" and token.head.dep_ == "agent")


def _agentless_passive(verb: Token) -> bool:
    children = [c.dep_ for c in verb.children]
    return "auxpass" in children and "agent" not in children


def _indefinite(noun: Token) -> bool:
    """A plural ("analysts") or a singular with an indefinite determiner or a number ("a
    source", "one official"); a bare or definite singular is someone in particular."""
    if noun.tag_ in ("NNS", "NNPS"):
        return True
    return any(
        (t.dep_ == "det" and "Ind" in t.morph.get("Definite")) or t.dep_ == "nummod"
        for t in noun.lefts
    )


def _phrase(token: Token, role: str) -> Span:
    """The words to quote: an adverb alone; a passive with its auxiliaries and a pronoun
    subject ("has been accused", "I'm told", "it is believed"); a noun with its determiners
    and modifiers ("some senior analysts")."""
    if role == "adverb":
        return token.doc[token.i : token.i + 1]
    if role == "passive":
        lead = [t for t in token.lefts if t.dep_ in PASSIVE_LEAD_DEPS and _passive_lead(t)]
    else:
        lead = [t for t in token.lefts if t.dep_ in MODIFIER_DEPS]
    start = min([token, *lead], key=lambda t: t.i)
    return token.doc[start.i : token.i + 1]


def _passive_lead(token: Token) -> bool:
    return token.dep_ != "nsubjpass" or token.pos_ == "PRON"


def _features(token: Token, role: str) -> dict[str, float]:
    """The candidate's role, head word, form, determiners and governing verb."""
    head = token.head
    features = {
        f"role={role}": 1.0,
        f"lemma={token.lemma_.lower()}": 1.0,
        f"tag={token.tag_}": 1.0,
        f"role={role}|tag={token.tag_}": 1.0,
        f"dep={token.dep_}": 1.0,
        f"governor={head.lemma_.lower()}": 1.0,
    }
    for modifier in token.lefts:
        if modifier.dep_ in DESCRIBING_DEPS:
            features[f"modifier={modifier.lower_}"] = 1.0
    return features


def _vectors(token: Token) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The word vectors of the candidate's head and of the word it hangs on."""
    return tuple(word.vector if word.has_vector else None for word in (token, token.head))

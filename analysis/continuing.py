"""Continuing attribution: the earlier source a sentence carries on when it names none.

A sentence often continues a source named before it: the second sentence of a quotation,
the figures of the poll named above, "He added ...", or a claim that the next sentence
attributes ("Two men were arrested. Police said ..."). The candidates are the sources named
in the LOOKBACK sentences before it and in the next one, with the speaker of a quotation it
continues. A logistic regression trained on labelled articles (`make train`: the source the
readers gave for a sourced sentence against the other candidates) weighs each by how far
back and in which paragraph it stands, how it was named (a speaker, a document, a quotation)
and by what cue, its entity type, how often the article has named it, whether the sentence
opens or continues a quotation or has a pronoun subject, and the rules' own guess. The
strongest candidate is the source the sentence carries.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from analysis.attribution import SUBJECT_DEPS
from analysis.docindex import index_of
from analysis.evidence import Evidence
from analysis.features import QUOTE_MARKS
from analysis.linear import LinearModel
from analysis.report import Source, SourceKind

LOOKBACK = 8
CONTINUING_MODEL = "continuing"


@dataclass(frozen=True, slots=True)
class Candidate:
    """A source a sentence may carry on, and the model's features of it."""

    source: Source
    features: dict[str, float]


def article_candidates(items: Sequence[Evidence]) -> list[list[Candidate]]:
    """The candidates of every sentence of an article, in one pass."""
    mentions: Counter[str] = Counter()
    people = set((items[0].span.doc._.sourcecheck_people or {}).values()) if items else set()
    found = []
    for i, item in enumerate(items):
        found.append(candidates(items, i, mentions, people))
        mentions.update(s.name for s in item.found.sources if s.kind is not SourceKind.VAGUE)
    return found


def carried_sources(model: LinearModel, items: Sequence[Evidence]) -> list[tuple[Source, ...]]:
    """For every sentence, the strongest candidate as a continued source, or () if none."""
    return [
        (max(found, key=lambda c: model.probability(c.features)).source,) if found else ()
        for found in article_candidates(items)
    ]


def candidates(
    items: Sequence[Evidence], i: int, mentions: Counter[str], people: set[str]
) -> list[Candidate]:
    """The sources sentence `i` may continue, nearest first, each once; `mentions` counts how
    often the article named each source before it, `people` are the people it names."""
    item = items[i]
    guess = rule_guess(items, i)
    guessed = {s.name for s in guess}
    seen: dict[str, tuple[int, Source]] = {}
    before = range(i - 1, max(-1, i - LOOKBACK - 1), -1)
    after = [i + 1] if i + 1 < len(items) else []
    for j in [*before, *after]:
        for source in reversed(items[j].found.sources):
            if source.kind is not SourceKind.VAGUE and source.name not in seen:
                seen[source.name] = (j, source)
    for source in [*item.found.sources, *guess]:
        if source.kind is SourceKind.QUOTE and source.name not in seen:
            seen[source.name] = (i, source)
    here = _Sentence.of(item)
    return [
        Candidate(
            Source(name=source.name, kind=SourceKind.QUOTE),
            _features(
                here,
                items[j],
                j - i,
                source,
                rank=rank,
                mentions=mentions[source.name],
                guessed=source.name in guessed,
                person=source.name in people,
            ),
        )
        for rank, (j, source) in enumerate(seen.values())
    ]


def rule_guess(items: Sequence[Evidence], i: int) -> tuple[Source, ...]:
    """The rules' guess: the speaker of the quotation the sentence continues; for a quotation
    that opens here, the speaker the next sentence of its paragraph names ("... ," Smith
    said); else the last source named before it; else the one the next sentence of its
    paragraph names ("Two men were arrested. Police said ...")."""
    item = items[i]
    following = items[i + 1] if i + 1 < len(items) else None
    ahead: tuple[Source, ...] = ()
    if following is not None and following.paragraph == item.paragraph:
        ahead = following.named_sources[:1]
    continuing = tuple(s for s in item.found.sources if s.kind is SourceKind.QUOTE)
    if continuing:
        return continuing[:1]
    if ahead and item.span.text.lstrip().startswith(QUOTE_MARKS):
        return ahead
    if item.carried:
        return (Source(name=item.carried, kind=SourceKind.QUOTE),)
    return ahead


@dataclass(frozen=True, slots=True)
class _Sentence:
    """What the features need of the sentence the candidates are for, read once."""

    item: Evidence
    words: frozenset[str]
    pronouns: tuple[str, ...]
    opens_quote: bool

    @classmethod
    def of(cls, item: Evidence) -> "_Sentence":
        return cls(
            item=item,
            words=frozenset(t.lower_ for t in item.span if not t.is_stop),
            pronouns=tuple(
                t.lower_ for t in item.span if t.dep_ in SUBJECT_DEPS and t.pos_ == "PRON"
            ),
            opens_quote=item.span.text.lstrip().startswith(QUOTE_MARKS),
        )


def _features(
    here: _Sentence,
    mention: Evidence,
    offset: int,
    source: Source,
    *,
    rank: int,
    mentions: int,
    guessed: bool,
    person: bool,
) -> dict[str, float]:
    """How candidate `source`, named in `mention`, `offset` sentences from the sentence
    `here`, stands to it."""
    item = here.item
    distance = str(offset) if offset > -6 else "far"
    paragraph = "same" if mention.paragraph == item.paragraph else "other"
    near = max(offset, -3)
    who = "person" if person else "other"
    features = {
        f"d={distance}": 1.0,
        f"d={distance}|{paragraph}": 1.0,
        f"paragraph={paragraph}": 1.0,
        f"kind={source.kind}": 1.0,
        f"rank={min(rank, 4)}": 1.0,
        f"mentions={min(mentions, 5)}": 1.0,
        f"who={who}": 1.0,
        f"entity={_entity_label(mention, source.name)}": 1.0,
        f"words={min(len(source.name.split()), 4)}": 1.0,
        f"sentence.kind={item.kind}": 1.0,
        f"sentence.status={item.found.status}": 1.0,
    }
    if source.kind is SourceKind.QUOTE:
        features[f"quoted|d={near}"] = 1.0
    if guessed:
        features["rules"] = 1.0
    if set(source.name.lower().split()) & here.words:
        features["named.here"] = 1.0
    if here.opens_quote:
        features[f"opens.quote|{source.kind}"] = 1.0
        features[f"opens.quote|d={near}"] = 1.0
    if item.where.in_quote:
        features[f"in.quote|d={near}"] = 1.0
    for pronoun in here.pronouns:
        features[f"pronoun={pronoun}|{who}"] = 1.0
    for cue in mention.found.cues[:3]:
        name = cue.split(":")[0]
        features[f"cue={name}"] = 1.0
        features[f"cue={name}|d={near}"] = 1.0
    for cue in item.found.cues[:2]:
        features[f"own.cue={cue.split(':')[0]}|{source.kind}"] = 1.0
    return features


def _entity_label(mention: Evidence, name: str) -> str:
    """The entity type of the source where it was named, "none" if no entity holds it."""
    for entity in index_of(mention.span.doc).entities_in(mention.span):
        if entity.text in name or name in entity.text:
            return entity.label_
    return "none"

"""Attribution: who, if anyone, a sentence says its content comes from.

Reads spaCy's dependency parse and entities: a reporting verb (or a verb taking a clause)
in the main clause with its subject, inverted forms (", said X"), passive agents, "according
to X", cue phrases, hyperlinks, and continuing attribution (an open quotation, a pronoun
whose antecedent is a named source, a block quote introduced by a named source).
"""

from dataclasses import dataclass, field

from spacy.tokens import Span, Token

from analysis.docindex import index_of
from analysis.features import quote_open_after
from analysis.lexicon import (
    COGNITION_VERBS,
    DOCUMENT_NOUNS,
    INSTITUTION_NOUNS,
    REPORTING_VERBS,
    SPEECH_ACT_VERBS,
    STANCE_NOUNS,
    UNNAMED_WORDS,
    VAGUE_ADVERBS,
    VAGUE_SOURCE_NOUNS,
)
from analysis.report import Source, SourceKind, Status

NAMED_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "FAC", "WORK_OF_ART", "LAW", "PRODUCT"})
SOURCE_LABELS = frozenset({"PERSON", "ORG", "GPE", "WORK_OF_ART", "LAW"})
MAIN_DEPS = frozenset({"ROOT", "conj", "parataxis"})
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})
ADJUNCT_DEPS = frozenset({"advcl", "pcomp", "xcomp", "acl"})
CLAUSE_DEPS = frozenset({"ccomp", "parataxis"})
SPEECH_VERBS = frozenset(
    "say tell report announce write tweet testify confirm admit reveal claim state add".split()
)
THIRD_PERSON = frozenset({"he", "she", "they", "him", "her", "them"})
HONORIFICS = {
    **dict.fromkeys(("mr", "mr.", "sir", "lord"), "m"),
    **dict.fromkeys(("mrs", "mrs.", "ms", "ms.", "miss", "dame", "lady"), "f"),
}
GENDER_OF_WORD = {
    **dict.fromkeys(("he", "him", "his", "himself"), "m"),
    **dict.fromkeys(("she", "her", "hers", "herself"), "f"),
    **HONORIFICS,
}
RECENT_PEOPLE = 4
INDEFINITE = frozenset({"a", "an", "some", "many", "several", "few", "most", "other", "certain"})
DATELINE_TOKENS = 8
DASHES = frozenset({"—", "–", "--", "-"})
STARTING_QUOTES = ("“", "«", '"', "''", "``")


@dataclass(slots=True)
class Attribution:
    """What one sentence's attribution analysis found."""

    status: Status | None = None
    sources: list[Source] = field(default_factory=list)
    cues: list[str] = field(default_factory=list)

    def add(self, status: Status, source: Source, cue: str) -> None:
        """Record a source; a vague source beats a named one ("some officials told ABC")."""
        if source not in self.sources:
            self.sources.append(source)
        self.cues.append(cue)
        if self.status is not Status.VAGUE:
            self.status = status


@dataclass(frozen=True, slots=True)
class SentenceFacts:
    """What the checks that look at a token's whole sentence need, read once per sentence."""

    span: Span
    has_quote: bool
    last: Token
    last_word: int
    dateline_dash: int | None


def _read_sentence(sentence: Span) -> SentenceFacts:
    last = sentence[-1] if sentence[-1].text != "\n" or len(sentence) < 2 else sentence[-2]
    words = [t.i for t in sentence if not t.is_punct and not t.is_space]
    opening = sentence[: min(len(sentence), DATELINE_TOKENS)]
    dash = next((t.i for t in opening if t.text in DASHES), None)
    first = sentence[0]
    dateline = dash if first.is_alpha and first.is_upper else None
    return SentenceFacts(
        span=sentence,
        has_quote=any(q in sentence.text for q in STARTING_QUOTES),
        last=last,
        last_word=words[-1] if words else sentence.start,
        dateline_dash=dateline,
    )


@dataclass(slots=True)
class Context:
    """What earlier sentences of the article tell later ones."""

    paragraph: int = -1
    last_person: str | None = None
    recent_people: list[str] = field(default_factory=list)
    genders: dict[str, str] = field(default_factory=dict)
    last_source: str | None = None
    last_body: str | None = None
    quote_open: bool = False
    quote_speaker: str | None = None
    block_speaker: str | None = None
    sentences: dict[int, SentenceFacts] = field(default_factory=dict)

    def person_for(self, pronoun: str) -> str | None:
        """The person a "he" or "she" most likely stands for: the most recent of the last
        few people named whose gender, where the article shows it, agrees."""
        wanted = GENDER_OF_WORD.get(pronoun)
        for name in reversed(self.recent_people):
            if self.genders.get(name, wanted) == wanted:
                return name
        return self.last_person

    def start_paragraph(self, index: int, *, quote: bool, previous_text: str) -> None:
        """Reset what does not carry over a paragraph break."""
        if index == self.paragraph:
            return
        introduces = previous_text.rstrip().endswith(":")
        self.block_speaker = self.last_source if quote or introduces else None
        self.paragraph = index
        self.quote_open = False


def attribute(sentence: Span, links: list[str], context: Context) -> Attribution:
    """Find the sources of `sentence`, updating `context` for the sentences that follow."""
    found = Attribution()
    for host in links:
        found.add(Status.SOURCED, Source(name=host, kind=SourceKind.LINK), f"link:{host}")
    _verbal_attribution(sentence, context, found)
    _according_to(sentence, context, found)
    _documents(sentence, context, found)
    _stance(sentence, context, found)
    _vague_cues(sentence, found)
    _continuing(sentence, context, found)
    _remember(sentence, context, found)
    return found


def _verbal_attribution(sentence: Span, context: Context, found: Attribution) -> None:
    """Reporting verbs: a named source counts in the main clause, a vague one anywhere."""
    for verb in sentence:
        if verb.pos_ not in ("VERB", "AUX") or not _attributes(verb, _facts(verb, context)):
            continue
        main = _is_main(verb)
        for subject in _sources_of(verb):
            classified = _classify(subject, context, verb)
            if classified and (main or classified[0] is Status.VAGUE):
                status, source = classified
                found.add(status, source, f"verb:{verb.text}")


def _is_main(verb: Token) -> bool:
    """The main clause, a clause reported by a main-clause reporting verb, an "as X reports"
    aside, or an adjunct of the main verb that borrows its subject ("..., saying that")."""
    if verb.dep_ == "ROOT" or _as_aside(verb):
        return True
    if verb.dep_ in ADJUNCT_DEPS and not _has_own_subject(verb):
        governor = _governing_verb(verb)
        return governor.i != verb.i and _is_main(governor)
    if verb.dep_ in MAIN_DEPS and verb.head.dep_ in MAIN_DEPS:
        return True
    head = verb.head
    return verb.dep_ == "ccomp" and head.dep_ == "ROOT" and head.lemma_.lower() in REPORTING_VERBS


def _facts(token: Token, context: Context) -> SentenceFacts:
    """The facts of `token`'s sentence, read once per sentence and kept in `context`."""
    sentence = index_of(token.doc).sentence_of(token)
    facts = context.sentences.get(sentence.start)
    if facts is None:
        facts = context.sentences[sentence.start] = _read_sentence(sentence)
    return facts


def _attributes(verb: Token, facts: SentenceFacts) -> bool:
    """A verb that reports speech or belief, used as such (with a clause, a quote, inverted,
    as an "as X reports" aside, or before a colon), and not negated."""
    if any(child.dep_ == "neg" for child in verb.children):
        return False
    if verb.lemma_.lower() in REPORTING_VERBS and (_as_aside(verb) or _before_colon(verb, facts)):
        return True
    clauses = [child for child in verb.children if child.dep_ in CLAUSE_DEPS]
    clause = bool(clauses)
    if verb.lemma_.lower() not in REPORTING_VERBS | SPEECH_ACT_VERBS:
        that = any(t.dep_ == "mark" and t.lower_ == "that" for c in clauses for t in c.children)
        return that and verb.lemma_ != "be"
    if clause or facts.has_quote or _inverted(verb, facts):
        return True
    if any(child.dep_ == "prep" and child.lower_ == "as" for child in verb.children):
        return True
    if verb.lemma_.lower() in SPEECH_ACT_VERBS:
        return True
    objects = [child for child in verb.children if child.dep_ == "dobj"]
    return verb.lemma_.lower() in SPEECH_VERBS and all(o.pos_ == "PRON" for o in objects)


def _as_aside(verb: Token) -> bool:
    """ "..., as WNYC reports": a reporting verb in an "as" clause."""
    return verb.dep_ == "advcl" and any(
        c.dep_ == "mark" and c.lower_ == "as" for c in verb.children
    )


def _before_colon(verb: Token, facts: SentenceFacts) -> bool:
    """ "She told news.com.au:": the verb's phrase ends the sentence on a colon."""
    return facts.last.text == ":" and verb.i < facts.last.i


def _has_own_subject(verb: Token) -> bool:
    return any(c.dep_ in SUBJECT_DEPS for c in verb.children)


def _governing_verb(verb: Token) -> Token:
    """The verb an adjunct hangs from, through prepositions ("by telling")."""
    head = verb.head
    while head.pos_ not in ("VERB", "AUX") and head.head.i != head.i:
        head = head.head
    return head


def _inverted(verb: Token, facts: SentenceFacts) -> bool:
    """ ", said X" or ", reported the Harbour Gazette." (often parsed as an object)."""
    if any(c.dep_ == "nsubj" and c.i > verb.i for c in verb.children):
        return True
    after_comma = verb.i > facts.span.start and verb.doc[verb.i - 1].text == ","
    last = facts.last_word
    return (
        after_comma
        and not _has_own_subject(verb)
        and any(
            c.pos_ == "PROPN" and c.i > verb.i and c.right_edge.i == last for c in verb.children
        )
    )


def _sources_of(verb: Token) -> list[Token]:
    """Who the verb's content comes from: its active subject (the antecedent of "who"), an
    inverted proper noun, a passive agent, or the subject it borrows as a conjunct or adjunct.
    A passive subject is what is reported, not who reports ("Christie has been ordered")."""
    subjects = [
        c
        for c in verb.children
        if c.dep_ == "nsubj" or (c.dep_ == "nsubjpass" and c.lower_ == "it")
    ]
    subjects = [verb.head if _relative(s) and verb.dep_ == "relcl" else s for s in subjects]
    if not subjects and verb.lemma_.lower() in REPORTING_VERBS and not _is_passive(verb):
        subjects = [c for c in verb.children if c.i > verb.i and c.pos_ == "PROPN"]
    agents = [g for c in verb.children if c.dep_ == "agent" for g in c.children if g.dep_ == "pobj"]
    if agents:
        return agents
    if not subjects and verb.dep_ == "conj":
        subjects = [c for c in verb.head.children if c.dep_ == "nsubj"]
    if not subjects and verb.dep_ in ADJUNCT_DEPS and not _has_own_subject(verb):
        subjects = [c for c in _governing_verb(verb).children if c.dep_ == "nsubj"]
    return subjects


def _relative(token: Token) -> bool:
    return token.tag_ in ("WP", "WDT") or (token.lower_ == "that" and token.dep_ == "nsubj")


def _stance(sentence: Span, context: Context, found: Attribution) -> None:
    """ "Dean has a more unconventional answer: he was on drugs." """
    for noun in sentence:
        if noun.lemma_.lower() not in STANCE_NOUNS or noun.dep_ not in ("dobj", "attr"):
            continue
        after = noun.right_edge.i + 1
        if after >= sentence.end or sentence.doc[after].text not in (":", "—"):
            continue
        owner = [c for c in noun.head.children if c.dep_ == "nsubj"]
        owner += [c for c in noun.children if c.dep_ == "poss"]
        for subject in owner:
            classified = _classify(subject, context, None)
            if classified:
                found.add(*classified, f"stance:{noun.text}")


def _documents(sentence: Span, context: Context, found: Attribution) -> None:
    """An identified document that says something: the subject of any verb ("the poll shows
    Clinton ahead", "records revealed edits"), or "in the Q magazine poll"."""
    for noun in sentence:
        if noun.lemma_.lower() not in DOCUMENT_NOUNS:
            continue
        subject = noun.dep_ in SUBJECT_DEPS and noun.head.pos_ in ("VERB", "AUX")
        inside = noun.dep_ == "pobj" and noun.head.lower_ in ("in", "from")
        if not (subject or inside):
            continue
        classified = _classify(noun, context, None)
        if classified and classified[1].kind is SourceKind.DOCUMENT:
            found.add(*classified, f"document:{noun.text}")


def _according_to(sentence: Span, context: Context, found: Attribution) -> None:
    for token in sentence:
        if token.lower_ != "according":
            continue
        for prep in token.children:
            for obj in prep.children:
                if obj.dep_ == "pobj":
                    classified = _classify(obj, context, None)
                    if classified:
                        status, source = classified
                        found.add(status, source, "according to")


def _classify(head: Token, context: Context, verb: Token | None) -> tuple[Status, Source] | None:
    """Name the source a noun phrase stands for, or say it is vague; None if no source."""
    lower = head.lower_
    if _in_dateline(head, _facts(head, context)):
        return None
    if head.pos_ == "PRON":
        if lower in THIRD_PERSON:
            name = context.person_for(lower) if lower in ("he", "she", "him", "her") else None
            name = name or context.last_body if lower in ("they", "them") else name
            name = name or context.last_source or context.last_person
            return (Status.SOURCED, Source(name=name, kind=SourceKind.NAMED)) if name else None
        if lower == "it" and verb is not None and verb.dep_ == "ROOT" and _is_passive(verb):
            return Status.VAGUE, Source(name=f"it is {verb.text}", kind=SourceKind.VAGUE)
        if lower in ("it", "they") and context.last_body:
            return Status.SOURCED, Source(name=context.last_body, kind=SourceKind.NAMED)
        return None
    if head.lemma_.lower() in INSTITUTION_NOUNS and head.tag_ == "NNS":
        return Status.SOURCED, Source(name=_trim(_phrase(head).text), kind=SourceKind.NAMED)
    phrase = _phrase(head)
    known = _known_person(head)
    if known and not _entity_at(head):
        return Status.SOURCED, Source(name=known, kind=SourceKind.NAMED)
    entity = _entity_at(head) or _entity_in(phrase)
    lemma = head.lemma_.lower()
    indefinite = any(
        t.lower_ in INDEFINITE or t.lower_ in UNNAMED_WORDS or (t.like_num and t.dep_ == "nummod")
        for t in phrase
        if t.i < head.i
    )
    if lemma in DOCUMENT_NOUNS and entity is None:
        entity = _entity_overlapping(head.doc[head.left_edge.i : head.right_edge.i + 1])
    if lemma in DOCUMENT_NOUNS and (entity or _definite(phrase, head)):
        name = _entity_name(entity) if entity is not None else _trim(phrase.text)
        return Status.SOURCED, Source(name=name, kind=SourceKind.DOCUMENT)
    named_head = _entity_at(head) or _named_apposition(head)
    if named_head is not None and not indefinite:
        return Status.SOURCED, Source(name=_entity_name(named_head), kind=SourceKind.NAMED)
    vague_head = lemma in VAGUE_SOURCE_NOUNS or lower in VAGUE_SOURCE_NOUNS
    person = entity is not None and entity.label_ == "PERSON"
    if vague_head and not person and (indefinite or not _definite(phrase, head) or entity is None):
        return Status.VAGUE, Source(name=_trim(phrase.text), kind=SourceKind.VAGUE)
    if entity is not None and entity.label_ in NAMED_LABELS:
        return Status.SOURCED, Source(name=_entity_name(entity), kind=SourceKind.NAMED)
    if head.pos_ == "PROPN":
        name = _trim(" ".join(t.text for t in phrase if t.pos_ != "DET"))
        return Status.SOURCED, Source(name=name, kind=SourceKind.NAMED)
    if indefinite:
        return Status.VAGUE, Source(name=_trim(phrase.text), kind=SourceKind.VAGUE)
    cognition = verb is not None and verb.lemma_.lower() in COGNITION_VERBS
    if _definite(phrase, head) and not cognition:
        return Status.SOURCED, Source(name=_trim(phrase.text), kind=SourceKind.NAMED)
    return None


def _in_dateline(token: Token, facts: SentenceFacts) -> bool:
    """Whether `token` stands in a dateline ("SELMA, Ala. — ...") before the sentence's dash."""
    return facts.dateline_dash is not None and token.i < facts.dateline_dash


def _vague_cues(sentence: Span, found: Attribution) -> None:
    doc = sentence.doc
    for label, start, end in doc._.sourcecheck_cues or ():
        if label == "vague" and sentence.start <= start and end <= sentence.end:
            text = doc[start:end].text
            found.add(Status.VAGUE, Source(name=text, kind=SourceKind.VAGUE), f"vague:{text}")
    for token in sentence:
        if token.lower_ in VAGUE_ADVERBS:
            source = Source(name=token.lower_, kind=SourceKind.VAGUE)
            found.add(Status.VAGUE, source, f"vague:{token.lower_}")


def _continuing(sentence: Span, context: Context, found: Attribution) -> None:
    if found.status is not None:
        return
    speaker = None
    if context.quote_open and context.quote_speaker:
        speaker, cue = context.quote_speaker, "quote continues"
    elif context.block_speaker:
        speaker, cue = context.block_speaker, "block quote"
    elif sentence.text.lstrip().startswith(STARTING_QUOTES) and context.last_source:
        speaker, cue = context.last_source, "quote after speaker"
    if speaker:
        found.add(Status.SOURCED, Source(name=speaker, kind=SourceKind.QUOTE), cue)


def _remember(sentence: Span, context: Context, found: Attribution) -> None:
    """Keep the last person named (a subject first) for a later "he" or "she"."""
    subjects = [_person_name(t) for t in sentence if t.dep_ in SUBJECT_DEPS]
    people_named = sentence.doc._.sourcecheck_people or {}
    mentioned = [
        _person_name(t)
        for t in sentence
        if t.ent_type_ == "PERSON" or (not t.ent_type_ and t.text in people_named)
    ]
    people = [name for name in subjects if name] or [name for name in mentioned if name]
    if people:
        context.last_person = people[-1]
    for name in [n for n in mentioned if n] + [n for n in subjects if n]:
        if name in context.recent_people:
            context.recent_people.remove(name)
        context.recent_people.append(name)
    del context.recent_people[:-RECENT_PEOPLE]
    _learn_genders(sentence, context)
    named = [s.name for s in found.sources if s.kind in (SourceKind.NAMED, SourceKind.QUOTE)]
    if named:
        context.last_source = named[-1]
    bodies = [
        s.name
        for s in found.sources
        if s.kind is SourceKind.DOCUMENT
        or (s.kind is SourceKind.NAMED and s.name not in people_named.values())
    ]
    if bodies:
        context.last_body = _trim(bodies[-1])
    was_open = context.quote_open
    context.quote_open = quote_open_after(sentence.text, was_open)
    if context.quote_open and not was_open:
        context.quote_speaker = named[-1] if named else context.quote_speaker


def _learn_genders(sentence: Span, context: Context) -> None:
    """What the article shows of its people's gender: an honorific before a name ("Ms
    Ruhle"), or the pronouns of a sentence that names one person only ("Ruhle said her
    show ..."). An honorific is final; pronouns only fill a gap."""
    names = {n for t in sentence if t.ent_type_ == "PERSON" and (n := _person_name(t))}
    for token in sentence:
        following = token.nbor() if token.i + 1 < len(token.doc) else None
        if token.lower_ in HONORIFICS and following is not None:
            name = _person_name(following)
            if name:
                context.genders[name] = HONORIFICS[token.lower_]
    if len(names) != 1:
        return
    (name,) = names
    shown = {
        GENDER_OF_WORD[t.lower_]
        for t in sentence
        if t.pos_ == "PRON" and t.lower_ in GENDER_OF_WORD
    }
    if len(shown) == 1 and name not in context.genders:
        context.genders[name] = shown.pop()


def _known_person(token: Token) -> str | None:
    """The full name of a person the article named before, for a bare "Trump"."""
    people = token.doc._.sourcecheck_people or {}
    return people.get(token.text) if token.text[:1].isupper() else None


def _person_name(token: Token) -> str | None:
    entity = _entity_at(token)
    if entity is not None and entity.label_ != "PERSON":
        return None
    return _known_person(token) or (_entity_name(entity) if entity is not None else None)


def _phrase(head: Token) -> Span:
    """The noun phrase `head` heads, less relative clauses, appositions and punctuation; at
    least the head itself, however odd the parse."""
    kept = [t for t in head.subtree if t.dep_ not in ("relcl", "acl", "appos", "punct", "cc")]
    left = min((t.i for t in kept), default=head.i)
    right = max(
        (t.i for t in kept if t.i <= head.i or t.dep_ in ("compound", "poss")), default=head.i
    )
    return head.doc[min(left, head.i) : max(right, head.i) + 1]


def _entity_at(head: Token) -> Span | None:
    """The named entity `head` is part of, found from the token's IOB tags (no scan)."""
    if head.ent_type_ not in NAMED_LABELS:
        return None
    doc = head.doc
    start = head.i
    while doc[start].ent_iob_ == "I" and start > 0:
        start -= 1
    end = head.i + 1
    while end < len(doc) and doc[end].ent_iob_ == "I":
        end += 1
    return Span(doc, start, end, label=head.ent_type_)


def _named_apposition(head: Token) -> Span | None:
    """ "their spokesman, Unthman Badar": the person named beside a role."""
    for child in head.children:
        if child.dep_ == "appos":
            entity = _entity_at(child)
            if entity is not None and entity.label_ in ("PERSON", "ORG"):
                return entity
    return None


def _entity_overlapping(phrase: Span) -> Span | None:
    for entity in index_of(phrase.doc).entities_from(phrase):
        if entity.label_ in SOURCE_LABELS:
            return entity
    return None


def _entity_in(phrase: Span) -> Span | None:
    entities = index_of(phrase.doc).entities_in(phrase)
    ranked = sorted(entities, key=lambda e: (e.label_ not in SOURCE_LABELS, -len(e)))
    return ranked[0] if ranked else None


def _entity_name(entity: Span) -> str:
    name = entity.text.strip()
    for suffix in ("’s", "'s", "’", "'"):
        name = name.removesuffix(suffix)
    name = name.removeprefix("the ").removeprefix("The ")
    return name.split(", ")[0] if entity.label_ != "GPE" else name


def _definite(phrase: Span, head: Token) -> bool:
    return any(
        t.lower_ in ("the", "this", "that", "these", "those") or t.dep_ == "poss"
        for t in phrase
        if t.i < head.i
    )


def _is_passive(verb: Token) -> bool:
    return any(c.dep_ in ("auxpass", "nsubjpass") for c in verb.children)


def _trim(text: str) -> str:
    return " ".join(text.split())

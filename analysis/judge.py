"""Judgement: for every body sentence, its kind, status, sources, score, reasons and flag.

The rules follow `shared/eval/GUIDELINES.md`: a checkable statement of fact that says
neither here nor in a continuing attribution where it comes from is `unsourced`; one that
leans on an unidentifiable source is `vague`; opinion, questions, predictions, calls to
action, the author's own experience and page furniture are not claims.
"""

import re
from bisect import bisect_right
from urllib.parse import urlsplit

from spacy.tokens import Doc, Span, Token

from analysis.attribution import Attribution, Context, attribute
from analysis.continuing import CONTINUING_MODEL, carried_sources
from analysis.docindex import index_of
from analysis.evidence import Evidence
from analysis.extract import Article
from analysis.features import Surroundings
from analysis.flagging import Scores, score_article
from analysis.lexicon import (
    BOILERPLATE_PATTERNS,
    OPINION_WORDS,
    PERSONAL_PRONOUNS,
    SWEEPING_WORDS,
)
from analysis.linear import LinearModel, load_model
from analysis.report import (
    FLAG_MODEL,
    Kind,
    Sensitivity,
    Sentence,
    Source,
    SourceKind,
    Status,
    should_flag,
)

BOILERPLATE = re.compile("|".join(f"(?:{p})" for p in BOILERPLATE_PATTERNS), re.IGNORECASE)
MODALS = frozenset(
    {"will", "would", "may", "might", "could", "should", "must", "shall", "ought", "'ll", "can"}
)
PREDICATE_DEPS = frozenset({"acomp", "attr", "oprd", "xcomp"})
COMPLEMENT_DEPS = PREDICATE_DEPS | {"ccomp", "prep", "dobj", "advmod", "npadvmod", "neg", "advcl"}
WISH_VERBS = frozenset({"need", "want", "wish", "hope", "must"})


def read_article(doc: Doc, article: Article) -> list[Evidence]:
    """The rules' evidence for every sentence of `doc`, the parsed `article.body`."""
    starts = [p.start for p in article.paragraphs]
    texts = article.paragraph_texts()
    context = Context()
    evidence: list[Evidence] = []
    previous: Span | None = None
    for trimmed in _sentences(doc):
        paragraph = max(0, bisect_right(starts, trimmed.start_char) - 1)
        new_paragraph = paragraph != context.paragraph
        context.start_paragraph(
            paragraph,
            quote=article.paragraphs[paragraph].quote,
            previous_text=texts[paragraph - 1] if paragraph else "",
        )
        where = Surroundings(previous, new_paragraph, context.quote_open)
        links = _links_in(article, trimmed.start_char, trimmed.end_char)
        carried = context.last_source
        found = attribute(trimmed, links, context)
        kind, kind_cues = _kind(trimmed, found)
        evidence.append(Evidence(trimmed, paragraph, found, where, kind, tuple(kind_cues), carried))
        previous = trimmed
    return evidence


def judge_article(doc: Doc, article: Article, sensitivity: Sensitivity) -> list[Sentence]:
    """Judge every sentence of `doc`, the parsed `article.body`, with the shipped models."""
    items = read_article(doc, article)
    return judge_sentences(items, score_article(items), load_model(FLAG_MODEL).points, sensitivity)


def judge_sentences(
    items: list[Evidence],
    scores: list[Scores],
    points: dict[str, float],
    sensitivity: Sensitivity,
    continuing: LinearModel | None = None,
) -> list[Sentence]:
    """The verdicts on an article's sentences, given the models' scores for each; the source
    a sentence may continue comes from the shipped continuing model unless one is given."""
    carried = carried_sources(continuing or load_model(CONTINUING_MODEL), items)
    return [
        judge_sentence(item, scores[i], carried[i], points, sensitivity)
        for i, item in enumerate(items)
    ]


def judge_sentence(
    item: Evidence,
    scores: Scores,
    carried: tuple[Source, ...],
    points: dict[str, float],
    sensitivity: Sensitivity,
) -> Sentence:
    """The verdict on one sentence: the flag model's probability decides, the rules' evidence
    says why and names the sources. `points` are the flag model's operating points.

    A flaggable sentence (`is_flaggable`) is a claim: vague when the rules found a vague
    source or the vague model says so, else unsourced; with a plain vague phrase ("studies
    show", "reportedly") it is flagged at every sensitivity. Any other claim is sourced when
    it names or continues (`carried`) a source; anything else keeps the rules' kind and is
    never flagged.
    """
    found = item.found
    flaggable = is_flaggable(item, scores.flag, points)
    kind, status, sources = _decision(item, scores, flaggable, carried)
    score = scores.flag if kind is Kind.CLAIM else 0.0
    if flaggable and item.vague_cue and status is Status.VAGUE:
        score = max(score, points[Sensitivity.LOW])
    return Sentence(
        text=item.span.text,
        start=item.span.start_char,
        end=item.span.end_char,
        paragraph=item.paragraph,
        kind=kind,
        status=status,
        flagged=should_flag(kind, status, score, sensitivity),
        score=round(score, 3),
        sources=sources,
        reasons=tuple(_reasons(item.span, status, sources)),
        cues=tuple(item.kind_cues + tuple(found.cues)),
        attributed=_attributed(kind, status, scores.attributed >= 0.5),
    )


def is_flaggable(item: Evidence, probability: float, points: dict[str, float]) -> bool:
    """Whether a sentence is flagged at some sensitivity: its probability reaches `high`, or
    `medium` when it names a source itself. Never when it cites a source by a hyperlink (the
    labelled texts have no links to learn from) or "according to" a named source (the
    guidelines' own example of a sourced sentence), unless a vague source is there too."""
    found = item.found
    named = bool(item.named_sources)
    cited = any(s.kind is SourceKind.LINK for s in found.sources) or "according to" in found.cues
    if cited and named and found.status is not Status.VAGUE:
        return False
    floor = points[Sensitivity.MEDIUM] if named else points[Sensitivity.HIGH]
    return probability >= floor


def _attributed(kind: Kind, status: Status, model_says: bool) -> bool:
    """Sourced and vague claims are attributed; any other sentence when the attribution model
    says it reports or continues someone's words (an unsourced claim can: a new fact inside a
    speaker's story)."""
    return (kind is Kind.CLAIM and status in (Status.SOURCED, Status.VAGUE)) or model_says


def _decision(
    item: Evidence, scores: Scores, flaggable: bool, carried: tuple[Source, ...]
) -> tuple[Kind, Status, tuple[Source, ...]]:
    """Kind, status and sources that agree with each other and with the flag decision."""
    found = item.found
    vague = tuple(s for s in found.sources if s.kind is SourceKind.VAGUE)
    named = item.named_sources
    if flaggable:
        if found.status is Status.VAGUE and vague:
            return Kind.CLAIM, Status.VAGUE, _joined(item.span.text, vague)
        if scores.vague_source:
            return (
                Kind.CLAIM,
                Status.VAGUE,
                (Source(name=scores.vague_source, kind=SourceKind.VAGUE),),
            )
        return Kind.CLAIM, Status.UNSOURCED, ()
    if named or (carried and item.kind is Kind.CLAIM):
        return Kind.CLAIM, Status.SOURCED, named or carried
    if item.kind is Kind.CLAIM:
        return Kind.CLAIM, Status.UNSOURCED, ()
    return item.kind, Status.NONE, ()


def _joined(text: str, sources: tuple[Source, ...]) -> tuple[Source, ...]:
    """Vague sources whose words overlap or touch in `text` as the one phrase they make
    ("Rumors", "Rumors have" and "have been circulating": "Rumors have been circulating"),
    in the order they stand; a source not found in `text` as it is."""
    spans: list[list[int]] = []
    apart: list[Source] = []
    for source in sources:
        start = text.find(source.name)
        if start < 0:
            apart.append(source)
        else:
            spans.append([start, start + len(source.name)])
    joined: list[list[int]] = []
    for start, end in sorted(spans):
        if joined and start <= joined[-1][1] + 1:
            joined[-1][1] = max(joined[-1][1], end)
        else:
            joined.append([start, end])
    phrases = [Source(name=text[a:b], kind=SourceKind.VAGUE) for a, b in joined]
    return (*phrases, *apart)


def _kind(span: Span, found: Attribution) -> tuple[Kind, list[str]]:
    text = span.text.strip()
    if BOILERPLATE.search(text):
        return Kind.OTHER, ["boilerplate"]
    if found.status is not None:
        return Kind.CLAIM, []
    words = [t for t in span if not t.is_punct]
    if len(words) < 3:
        return Kind.OTHER, ["too short"]
    if text.rstrip("”\"’' )").endswith("?"):
        return Kind.QUESTION, ["question mark"]
    root = span.root
    lead = min([root, *(c for c in root.children if c.dep_ in ("aux", "auxpass"))])
    if lead.tag_ == "VB" and _opens(span, lead) and not _has_subject(root):
        return Kind.OTHER, [f"call to action:{lead.text}"]
    if root.pos_ == "AUX" and not any(c.dep_ in COMPLEMENT_DEPS for c in root.children):
        return Kind.OTHER, [f"ellipsis:{root.text}"]
    subject = next((c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if subject is not None and subject.lower_ == "we" and root.lemma_.lower() in WISH_VERBS:
        return Kind.OPINION, [f"wish:{root.text}"]
    if subject is not None and subject.lower_ in PERSONAL_PRONOUNS and subject.lower_ != "we":
        return Kind.OTHER, [f"author's own:{subject.text}"]
    modal = next((c for c in root.children if c.dep_ == "aux" and c.lower_ in MODALS), None)
    if modal is not None and modal.lower_ != "would":
        return Kind.OPINION, [f"modal:{modal.text}"]
    opinion = _opinion_word(span, root)
    if opinion is not None:
        return Kind.OPINION, [f"opinion:{opinion.text}"]
    return Kind.CLAIM, []


def _opinion_word(span: Span, root: Token) -> Token | None:
    """A word of evaluation that carries the sentence: the predicate, or an opening adverb."""
    for token in span:
        if token.lower_ not in OPINION_WORDS:
            continue
        predicate = token == root or (token.head == root and token.dep_ in PREDICATE_DEPS)
        opening = token.i == span.start and token.pos_ == "ADV"
        if predicate or opening:
            return token
    return None


def _opens(span: Span, root: Token) -> bool:
    """Only conjunctions, interjections and punctuation come before `root` ("But hey, get")."""
    return all(t.pos_ in ("CCONJ", "INTJ", "PUNCT", "SPACE") for t in span if t.i < root.i)


def _has_subject(verb: Token) -> bool:
    return any(c.dep_ in ("nsubj", "nsubjpass", "expl") for c in verb.children)


def _reasons(span: Span, status: Status, sources: tuple[Source, ...]) -> list[str]:
    if status is Status.VAGUE:
        return [f"vague source: '{sources[0].name}'"]
    if status is not Status.UNSOURCED:
        return []
    reasons = []
    entities = index_of(span.doc).entities_in(span)
    figures = [e.text for e in entities if e.label_ in ("MONEY", "PERCENT", "QUANTITY")]
    figures = figures or [
        e.text for e in entities if e.label_ == "CARDINAL" and any(c.isdigit() for c in e.text)
    ]
    if figures:
        reasons.append(f"specific figure ({figures[0]}) with no source")
    sweeping = sorted({t.lower_ for t in span} & SWEEPING_WORDS)
    if sweeping:
        quoted = ", ".join(f"'{w}'" for w in sweeping[:2])
        reasons.append(f"sweeping claim ({quoted}) with no source")
    actor = _subject_person(span)
    if actor and not reasons:
        reasons.append(f"claim about what {actor} did, with no source given")
    return reasons or ["stated as fact with no source given"]


def _subject_person(span: Span) -> str | None:
    """The person the sentence is about: a PERSON entity that is the main verb's subject."""
    subjects = [c for c in span.root.children if c.dep_ in ("nsubj", "nsubjpass")]
    for entity in index_of(span.doc).entities_in(span):
        if entity.label_ == "PERSON" and any(entity.start <= s.i < entity.end for s in subjects):
            return entity.text
    return None


def _sentences(doc: Doc) -> list[Span]:
    """The sentences without surrounding white space; stray punctuation joins the one before."""
    spans: list[Span] = []
    for sentence in doc.sents:
        trimmed = _trim(sentence)
        if trimmed is None:
            continue
        if spans and all(t.is_punct for t in trimmed) and "\n\n" not in doc[trimmed.start - 1].text:
            spans[-1] = doc[spans[-1].start : trimmed.end]
        else:
            spans.append(trimmed)
    return spans


def _trim(span: Span) -> Span | None:
    tokens = [t for t in span if not t.is_space]
    if not tokens:
        return None
    return span.doc[tokens[0].i : tokens[-1].i + 1]


def _links_in(article: Article, start: int, end: int) -> list[str]:
    hosts = []
    for link in article.links:
        if link.start < end and link.end > start:
            host = (urlsplit(link.url).hostname or link.url).removeprefix("www.")
            if host not in hosts:
                hosts.append(host)
    return hosts

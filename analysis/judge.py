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
from analysis.components.lexicon import (
    BOILERPLATE_PATTERNS,
    OPINION_WORDS,
    PERSONAL_PRONOUNS,
    SWEEPING_WORDS,
)
from analysis.extract import Article
from analysis.features import Surroundings, attribution_features
from analysis.linear import load_model
from analysis.report import Kind, Sensitivity, Sentence, Status, should_flag

BOILERPLATE = re.compile("|".join(f"(?:{p})" for p in BOILERPLATE_PATTERNS), re.IGNORECASE)
FIGURE_LABELS = frozenset({"MONEY", "PERCENT", "CARDINAL", "QUANTITY"})
TIME_LABELS = frozenset({"DATE", "TIME"})
ACTOR_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP", "EVENT", "LAW", "FAC"})
MODALS = frozenset(
    {"will", "would", "may", "might", "could", "should", "must", "shall", "ought", "'ll", "can"}
)
PREDICATE_DEPS = frozenset({"acomp", "attr", "oprd", "xcomp"})
COMPLEMENT_DEPS = PREDICATE_DEPS | {"ccomp", "prep", "dobj", "advmod", "npadvmod", "neg", "advcl"}
WISH_VERBS = frozenset({"need", "want", "wish", "hope", "must"})
HEDGES = frozenset(
    {
        "seem",
        "seems",
        "appear",
        "appears",
        "perhaps",
        "maybe",
        "possibly",
        "probably",
        "likely",
        "might",
        "may",
    }
)


def judge_article(doc: Doc, article: Article, sensitivity: Sensitivity) -> list[Sentence]:
    """Judge every sentence of `doc`, the parsed `article.body`."""
    starts = [p.start for p in article.paragraphs]
    texts = article.paragraph_texts()
    context = Context()
    verdicts: list[Sentence] = []
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
        found = attribute(trimmed, links, context)
        verdicts.append(judge_sentence(trimmed, paragraph, found, where, sensitivity))
        previous = trimmed
    return verdicts


def judge_sentence(
    span: Span,
    paragraph: int,
    found: Attribution,
    where: Surroundings,
    sensitivity: Sensitivity,
) -> Sentence:
    """The verdict on one sentence, given what attribution found in it and what surrounds it."""
    attribution = load_model("attribution")
    attributed = attribution.probability(attribution_features(span, where)) >= 0.5
    kind, kind_cues = _kind(span, found)
    status = Status.NONE if kind is not Kind.CLAIM else (found.status or Status.UNSOURCED)
    score = _score(span, status) if kind is Kind.CLAIM else 0.0
    sources = tuple(found.sources) if kind is Kind.CLAIM else ()
    return Sentence(
        text=span.text,
        start=span.start_char,
        end=span.end_char,
        paragraph=paragraph,
        kind=kind,
        status=status,
        flagged=should_flag(kind, status, score, sensitivity),
        score=score,
        sources=sources,
        reasons=tuple(_reasons(span, status, found)),
        cues=tuple(kind_cues + found.cues),
        attributed=attributed,
    )


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


def _score(span: Span, status: Status) -> float:
    labels = {e.label_ for e in span.ents}
    lowers = {t.lower_ for t in span}
    people = span.doc._.sourcecheck_people or {}
    named = bool(labels & ACTOR_LABELS) or any(t.text in people for t in span)
    score = 0.3
    score += 0.2 if named else 0.0
    score += 0.15 if labels & FIGURE_LABELS else 0.0
    score += 0.05 if labels & TIME_LABELS else 0.0
    score += 0.1 if any(t.tag_ in ("VBD", "VBN") for t in span) else 0.0
    score += 0.1 if lowers & SWEEPING_WORDS else 0.0
    score += 0.1 if status is Status.VAGUE else 0.0
    score -= 0.15 if lowers & HEDGES else 0.0
    score -= 0.1 if lowers & OPINION_WORDS else 0.0
    score -= 0.1 if len(span) < 8 else 0.0
    return round(min(0.98, max(0.05, score)), 3)


def _reasons(span: Span, status: Status, found: Attribution) -> list[str]:
    if status is Status.VAGUE:
        vague = [s.name for s in found.sources if s.kind == "vague"]
        return [f"vague source: '{vague[0]}'"] if vague else ["vague source"]
    if status is not Status.UNSOURCED:
        return []
    reasons = []
    figures = [e.text for e in span.ents if e.label_ in ("MONEY", "PERCENT", "QUANTITY")]
    figures = figures or [
        e.text for e in span.ents if e.label_ == "CARDINAL" and any(c.isdigit() for c in e.text)
    ]
    if figures:
        reasons.append(f"specific figure ({figures[0]}) with no source")
    sweeping = sorted({t.lower_ for t in span} & SWEEPING_WORDS)
    if sweeping:
        quoted = ", ".join(f"'{w}'" for w in sweeping[:2])
        reasons.append(f"sweeping claim ({quoted}) with no source")
    people = [e.text for e in span.ents if e.label_ == "PERSON"]
    if people and not reasons:
        reasons.append(f"claim about a named person's actions ({people[0]}) with no source")
    return reasons or ["stated as fact with no source given"]


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

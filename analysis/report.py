"""The report: the one object that crosses every boundary, serialised as `report-schema.md` says.

`Report.to_json()` and `Report.from_json()` are the only places that know the JSON shape.
"""

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from analysis.errors import AnalysisError
from analysis.linear import load_model

SCHEMA = "sourcecheck.report/1"
FLAG_MODEL = "flags"


class Kind(StrEnum):
    """What a sentence is."""

    CLAIM = "claim"
    OPINION = "opinion"
    QUESTION = "question"
    OTHER = "other"


class Status(StrEnum):
    """Where a claim comes from; `none` for sentences that are not claims."""

    SOURCED = "sourced"
    UNSOURCED = "unsourced"
    VAGUE = "vague"
    NONE = "none"


class SourceKind(StrEnum):
    """How a source is given."""

    NAMED = "named"
    VAGUE = "vague"
    LINK = "link"
    DOCUMENT = "document"
    QUOTE = "quote"


class Sensitivity(StrEnum):
    """How readily claims are flagged; each level is an operating point on `score`, the flag
    model's probability, chosen by `make train` on cross-validation folds: `low` at
    precision 0.90, `medium` at the best F1, `high` at recall 0.90."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def threshold(self) -> float:
        """The lowest `score` that gets flagged at this level."""
        return load_model(FLAG_MODEL).points[self.value]


@dataclass(frozen=True, slots=True, kw_only=True)
class Source:
    """A source a sentence names (or leans on, when `kind` is vague)."""

    name: str
    kind: SourceKind

    def to_json(self) -> dict[str, str]:
        """The schema's source object."""
        return {"name": self.name, "kind": str(self.kind)}


@dataclass(frozen=True, slots=True, kw_only=True)
class Sentence:
    """The verdict on one body sentence; offsets are into the extracted body text."""

    text: str
    start: int
    end: int
    paragraph: int
    kind: Kind
    status: Status
    flagged: bool
    score: float
    sources: tuple[Source, ...] = ()
    reasons: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    attributed: bool = False

    def to_json(self) -> dict[str, Any]:
        """The schema's sentence object, plus `cues` (the words that decided the verdict) and
        `attributed` (it reports someone's words, thoughts or stance, or continues doing so)."""
        return {
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "paragraph": self.paragraph,
            "kind": str(self.kind),
            "status": str(self.status),
            "flagged": self.flagged,
            "score": round(self.score, 3),
            "sources": [s.to_json() for s in self.sources],
            "reasons": list(self.reasons),
            "cues": list(self.cues),
            "attributed": self.attributed,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Sentence":
        """Read a sentence object."""
        return cls(
            text=data["text"],
            start=data["start"],
            end=data["end"],
            paragraph=data["paragraph"],
            kind=Kind(data["kind"]),
            status=Status(data["status"]),
            flagged=bool(data["flagged"]),
            score=float(data["score"]),
            sources=tuple(
                Source(name=s["name"], kind=SourceKind(s["kind"])) for s in data["sources"]
            ),
            reasons=tuple(data.get("reasons", ())),
            cues=tuple(data.get("cues", ())),
            attributed=bool(data.get("attributed", False)),
        )

    def reflagged(self, sensitivity: Sensitivity) -> "Sentence":
        """This sentence with `flagged` recomputed for another sensitivity."""
        return replace(self, flagged=should_flag(self.kind, self.status, self.score, sensitivity))


def should_flag(kind: Kind, status: Status, score: float, sensitivity: Sensitivity) -> bool:
    """The schema's rule: a claim, unsourced or vague, whose score reaches the threshold."""
    return (
        kind is Kind.CLAIM
        and status in (Status.UNSOURCED, Status.VAGUE)
        and score >= sensitivity.threshold
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class Stats:
    """Counts over a report's sentences."""

    sentences: int = 0
    claims: int = 0
    sourced: int = 0
    unsourced: int = 0
    vague: int = 0
    flagged: int = 0

    @classmethod
    def of(cls, sentences: "tuple[Sentence, ...] | list[Sentence]") -> "Stats":
        """Count a list of sentences."""
        claims = [s for s in sentences if s.kind is Kind.CLAIM]
        return cls(
            sentences=len(sentences),
            claims=len(claims),
            sourced=sum(s.status is Status.SOURCED for s in claims),
            unsourced=sum(s.status is Status.UNSOURCED for s in claims),
            vague=sum(s.status is Status.VAGUE for s in claims),
            flagged=sum(s.flagged for s in sentences),
        )

    def to_json(self) -> dict[str, int]:
        """The schema's stats object."""
        return {
            "sentences": self.sentences,
            "claims": self.claims,
            "sourced": self.sourced,
            "unsourced": self.unsourced,
            "vague": self.vague,
            "flagged": self.flagged,
        }


SUMMARY_MARKS = {Status.UNSOURCED: "no source given", Status.VAGUE: "vague source"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    """One article's analysis."""

    input: str
    url: str | None
    title: str | None
    site: str | None
    author: str | None = None
    date: str | None = None
    truncated: bool = False
    language: str = "en"
    sensitivity: Sensitivity = Sensitivity.MEDIUM
    summary: tuple[str, ...] = ()
    summary_sentences: tuple[int, ...] = ()  # each summary sentence's index in `sentences`
    sentences: tuple[Sentence, ...] = ()
    stats: Stats = field(default_factory=Stats)
    timings_ms: dict[str, int] = field(default_factory=dict)

    @property
    def flagged(self) -> list[Sentence]:
        """The flagged sentences, in order."""
        return [s for s in self.sentences if s.flagged]

    def named_sources(self) -> list[Source]:
        """Distinct sources the article names (not vague ones), in order of first use."""
        seen: dict[str, Source] = {}
        for sentence in self.sentences:
            for source in sentence.sources:
                if source.kind is not SourceKind.VAGUE and source.name.lower() not in seen:
                    seen[source.name.lower()] = source
        return list(seen.values())

    def marked_summary(self) -> tuple[str, ...]:
        """The summary, each sentence that the report flags marked as the flag says ("(no
        source given)", "(vague source)"), at the report's sensitivity."""
        if len(self.summary_sentences) != len(self.summary):
            return self.summary
        marked = []
        for text, index in zip(self.summary, self.summary_sentences, strict=True):
            sentence = self.sentences[index] if index < len(self.sentences) else None
            if sentence is not None and sentence.flagged:
                text = f"{text} ({SUMMARY_MARKS[sentence.status]})"
            marked.append(text)
        return tuple(marked)

    def with_sensitivity(self, sensitivity: Sensitivity) -> "Report":
        """The same analysis, flagged at another sensitivity."""
        sentences = tuple(s.reflagged(sensitivity) for s in self.sentences)
        return replace(
            self, sensitivity=sensitivity, sentences=sentences, stats=Stats.of(sentences)
        )

    def to_json(self) -> dict[str, Any]:
        """The schema's report object."""
        return {
            "schema": SCHEMA,
            "input": self.input,
            "url": self.url,
            "title": self.title,
            "site": self.site,
            "author": self.author,
            "date": self.date,
            "truncated": self.truncated,
            "language": self.language,
            "sensitivity": str(self.sensitivity),
            "summary": list(self.summary),
            "summary_sentences": list(self.summary_sentences),
            "sentences": [s.to_json() for s in self.sentences],
            "stats": self.stats.to_json(),
            "timings_ms": dict(self.timings_ms),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Report":
        """Read a report object. Raises ValueError for another schema or a failure line."""
        if data.get("schema") != SCHEMA or "error" in data:
            raise ValueError("not a sourcecheck report")
        sentences = tuple(Sentence.from_json(s) for s in data["sentences"])
        return cls(
            input=data["input"],
            url=data.get("url"),
            title=data.get("title"),
            site=data.get("site"),
            author=data.get("author"),
            date=data.get("date"),
            truncated=bool(data.get("truncated", False)),
            language=data.get("language", "en"),
            sensitivity=Sensitivity(data.get("sensitivity", "medium")),
            summary=tuple(data.get("summary", ())),
            summary_sentences=tuple(data.get("summary_sentences", ())),
            sentences=sentences,
            stats=Stats.of(sentences),
            timings_ms=dict(data.get("timings_ms", {})),
        )


def failure_json(input_: str, error: AnalysisError) -> dict[str, Any]:
    """The schema's line for a target that could not be analysed."""
    return {"schema": SCHEMA, "input": input_, "error": error.to_json()}

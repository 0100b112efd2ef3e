"""Evidence: what the parse and the rules say of one sentence, before the learned decision."""

from dataclasses import dataclass

from spacy.tokens import Span

from analysis.attribution import Attribution
from analysis.features import Surroundings
from analysis.report import Kind, Source, SourceKind


@dataclass(frozen=True, slots=True)
class Evidence:
    """One sentence: its span and paragraph, the sources attribution found, where it stands,
    the kind the rules give it (with the cues behind that kind), and the last source the
    article named before it, which it may continue."""

    span: Span
    paragraph: int
    found: Attribution
    where: Surroundings
    kind: Kind
    kind_cues: tuple[str, ...]
    carried: str | None = None

    @property
    def vague_cue(self) -> bool:
        """Whether a plain vague-source phrase or adverb stands in the sentence ("rumors have
        been circulating", "studies show", "reportedly"): flagged at every sensitivity."""
        return any(cue.startswith("vague:") for cue in self.found.cues)

    @property
    def named_sources(self) -> tuple[Source, ...]:
        """The sources the sentence names itself (not vague ones, not a quotation it
        continues): below `medium`, such a sentence is sourced, never flagged."""
        return tuple(
            s for s in self.found.sources if s.kind not in (SourceKind.VAGUE, SourceKind.QUOTE)
        )

"""`sourcecheck_cues`: marks attribution and vague-source phrases with a PhraseMatcher.

Sets `Doc._.sourcecheck_cues`, a list of `(label, start_token, end_token)` where label is
`vague` or `attribution`; judgement reads them per sentence.
"""

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from analysis.components.lexicon import ATTRIBUTION_PHRASES, VAGUE_PHRASES

if not Doc.has_extension("sourcecheck_cues"):
    Doc.set_extension("sourcecheck_cues", default=None)


class CueMatcher:
    """Finds cue phrases case-insensitively."""

    def __init__(self, nlp: Language) -> None:
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.matcher.add("vague", list(nlp.tokenizer.pipe(VAGUE_PHRASES)))
        self.matcher.add("attribution", list(nlp.tokenizer.pipe(ATTRIBUTION_PHRASES)))

    def __call__(self, doc: Doc) -> Doc:
        """Annotate `doc` with its cue phrases."""
        strings = doc.vocab.strings
        doc._.sourcecheck_cues = [
            (strings[match_id], start, end) for match_id, start, end in self.matcher(doc)
        ]
        return doc


@Language.factory("sourcecheck_cues")
def make_cue_matcher(nlp: Language, name: str) -> CueMatcher:
    """Build the cue matcher for `nlp`'s vocabulary."""
    return CueMatcher(nlp)

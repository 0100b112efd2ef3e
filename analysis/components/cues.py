"""`sourcecheck_cues`: marks vague-source phrases ("rumors have been circulating", "some
have felt") with a PhraseMatcher.

Sets `Doc._.sourcecheck_cues`, a list of `(label, start_token, end_token)` with the label
`vague`; attribution reads them per sentence.
"""

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from analysis.lexicon import VAGUE_PHRASES

if not Doc.has_extension("sourcecheck_cues"):
    Doc.set_extension("sourcecheck_cues", default=None)


class CueMatcher:
    """Finds cue phrases case-insensitively."""

    def __init__(self, nlp: Language) -> None:
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.matcher.add("vague", list(nlp.tokenizer.pipe(VAGUE_PHRASES)))

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

"""A parsed article's sentences and entities, indexed once per document.

`token.sent` walks the whole sentence and `span.ents` the whole article's entity list on
every call; asked for each verb or each sentence, they make the analysis quadratic in the
text's length. The index answers both with a binary search, so the analysis stays linear.
"""

from bisect import bisect_left, bisect_right

from spacy.tokens import Doc, Span, Token

USER_DATA_KEY = "sourcecheck_index"


class DocIndex:
    """Sentence bounds and entity bounds of one `Doc`, in order. It keeps plain numbers,
    not spans: kept in the document's `user_data`, spans would tie the document to itself."""

    def __init__(self, doc: Doc) -> None:
        sentences = [(s.start, s.end) for s in doc.sents]
        self._starts = [start for start, _ in sentences]
        self._ends = [end for _, end in sentences]
        self._entities = [(e.start, e.end, e.label) for e in doc.ents]
        self._entity_starts = [start for start, _, _ in self._entities]

    def sentence_of(self, token: Token) -> Span:
        """The sentence `token` stands in (what `token.sent` gives)."""
        at = bisect_right(self._starts, token.i) - 1
        return token.doc[self._starts[at] : self._ends[at]]

    def entities_from(self, span: Span) -> list[Span]:
        """The entities that start inside `span`, in order."""
        first = bisect_left(self._entity_starts, span.start)
        last = bisect_left(self._entity_starts, span.end)
        found = self._entities[first:last]
        return [Span(span.doc, start, end, label=label) for start, end, label in found]

    def entities_in(self, span: Span) -> list[Span]:
        """The entities wholly inside `span` (what `span.ents` gives)."""
        return [e for e in self.entities_from(span) if e.end <= span.end]


def index_of(doc: Doc) -> DocIndex:
    """The index of `doc`, built on first use and kept with the document."""
    index = doc.user_data.get(USER_DATA_KEY)
    if index is None:
        index = doc.user_data[USER_DATA_KEY] = DocIndex(doc)
    return index

"""`sourcecheck_paragraphs`: a sentence never crosses a paragraph break.

Runs before the parser, which keeps sentence starts that are already set.
"""

from spacy.language import Language
from spacy.tokens import Doc


@Language.component("sourcecheck_paragraphs")
def mark_paragraph_starts(doc: Doc) -> Doc:
    """Start a sentence at the first token after every blank line."""
    for token in doc[1:]:
        previous = doc[token.i - 1]
        if "\n\n" in previous.text_with_ws and not token.is_space:
            token.is_sent_start = True
    return doc

"""`sourcecheck_people`: the people an article names, so a later bare surname is known.

spaCy's entity recogniser often misses a surname used alone, above all at the start of a
sentence ("Trump has ..."), once the article has introduced "Donald Trump". This component
sets `Doc._.sourcecheck_people`, a map from each PERSON entity's full text and its surname
to the fullest form of that name in the article.
"""

from spacy.language import Language
from spacy.tokens import Doc

if not Doc.has_extension("sourcecheck_people"):
    Doc.set_extension("sourcecheck_people", default=None)

TITLES = frozenset({"mr.", "mrs.", "ms.", "dr.", "rep.", "sen.", "gov.", "president"})


@Language.component("sourcecheck_people")
def collect_people(doc: Doc) -> Doc:
    """Map every full name and surname of a PERSON entity to its fullest form."""
    people: dict[str, str] = {}
    for entity in doc.ents:
        if entity.label_ != "PERSON":
            continue
        words = [t.text for t in entity if t.lower_ not in TITLES and not t.is_punct]
        words = [w.removesuffix("’s").removesuffix("'s") for w in words]
        if not words or not words[-1][:1].isupper():
            continue
        full = " ".join(words)
        for key in {full, words[-1]}:
            if len(full) > len(people.get(key, "")):
                people[key] = full
    doc._.sourcecheck_people = people
    return doc

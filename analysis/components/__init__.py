"""sourcecheck's spaCy components; importing this package registers them with spaCy."""

from analysis.components.cues import CueMatcher
from analysis.components.paragraphs import mark_paragraph_starts

__all__ = ["CueMatcher", "mark_paragraph_starts"]

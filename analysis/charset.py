"""Turning page bytes into text: the declared charset, a `<meta>` charset, UTF-8, or a guess."""

import codecs
import re

from charset_normalizer import from_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def decode_page(body: bytes, declared: str | None, media_type: str) -> str:
    """Decode a page body. Never raises: undecodable bytes become U+FFFD."""
    for candidate in (declared, _meta_charset(body, media_type)):
        codec = _codec(candidate)
        if codec:
            return body.decode(codec, errors="replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        best = from_bytes(body[:200_000]).best()
        codec = _codec(best.encoding if best else None) or "utf-8"
        return body.decode(codec, errors="replace")


def _meta_charset(body: bytes, media_type: str) -> str | None:
    if media_type == "text/plain":
        return None
    match = _META_CHARSET.search(body[:4096])
    return match.group(1).decode("ascii") if match else None


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None

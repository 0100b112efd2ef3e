"""Links in a message: found outside code, capped, and normalised for caching and rules."""

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import idna

CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)
# `<url>`: a link whose ends are known (adapters decode their platform's syntax to it);
# otherwise a bare link, whose trailing punctuation belongs to the sentence.
URL = re.compile(r"<(https?://[^\s<>]+)>|(https?://[^\s<>\"'`|\]\)]+)", re.IGNORECASE)
TRAILING = ".,;:!?*_~"
TRACKING = re.compile(r"^(utm_[a-z_]+|fbclid|gclid|mc_eid|mc_cid|igshid)$", re.IGNORECASE)
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")


def find_links(text: str, limit: int, extra: tuple[str, ...] = ()) -> list[str]:
    """The first `limit` distinct links outside code spans and blocks, normalised.

    A link in angle brackets is taken whole; a bare one loses trailing punctuation.
    """
    found: list[str] = []
    matches = URL.finditer(CODE.sub(" ", text))
    candidates = [m.group(1) or m.group(2).rstrip(TRAILING) for m in matches]
    for raw in [*candidates, *extra]:
        link = normalise_url(raw)
        if link and link not in found:
            found.append(link)
    return found[:limit]


def normalise_url(url: str) -> str | None:
    """Lower-case scheme and host, no fragment, no tracking parameters; None if not a web URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = canonical_host(parts.hostname)
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port is None else f"{host}:{port}"
    if parts.username is not None:
        netloc = f"{parts.username}@{netloc}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING.match(k)]
    )
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", query, ""))


def canonical_host(host: str) -> str:
    """One spelling per host, so rules and caches cannot be sidestepped: lower case, no
    trailing dot, international names in their ASCII (`xn--`) form."""
    host = host.lower().rstrip(".")
    if host.isascii():
        return host
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        return host


def domain_of(url: str) -> str:
    """The host of a normalised URL without a leading `www.`."""
    return (urlsplit(url).hostname or "").removeprefix("www.")


def domain_matches(host: str, domain: str) -> bool:
    """Whether `host` is `domain` or one of its subdomains."""
    return host == domain or host.endswith("." + domain)


def word_count(text: str) -> int:
    """Words in `text` outside code, for deciding whether pasted text is an article."""
    return len(WORD.findall(CODE.sub(" ", text)))

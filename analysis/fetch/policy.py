"""URL and address policy: which links the fetcher may open. Pure functions, no I/O.

An address is fetchable only when it is globally routable: outside every block of our own
table of IANA's special-purpose ranges (`NON_PUBLIC`) and global by the standard library.
IPv6 forms that carry an IPv4 address (IPv4-mapped, IPv4-compatible, 6to4, Teredo, NAT64
64:ff9b::/96) are judged by the IPv4 address they embed. Hosts spelled as numbers the way
browsers accept them (`2130706433`, `0x7f.1`, `127.1`, `017700000001`) are read as the IPv4
address they mean.
"""

import ipaddress
import urllib.parse
from dataclasses import dataclass, field

import httpx

from analysis.errors import AnalysisError, ErrorCode

type IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
type IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALLOWED_SCHEMES = frozenset({"http", "https"})

# The Fetch standard's "bad ports": services that a web fetch must never talk to.
BAD_PORTS = frozenset(
    {
        1,
        7,
        9,
        11,
        13,
        15,
        17,
        19,
        20,
        21,
        22,
        23,
        25,
        37,
        42,
        43,
        53,
        69,
        77,
        79,
        87,
        95,
        101,
        102,
        103,
        104,
        109,
        110,
        111,
        113,
        115,
        117,
        119,
        123,
        135,
        137,
        139,
        143,
        161,
        179,
        389,
        427,
        465,
        512,
        513,
        514,
        515,
        526,
        530,
        531,
        532,
        540,
        548,
        554,
        556,
        563,
        587,
        601,
        636,
        989,
        990,
        993,
        995,
        1719,
        1720,
        1723,
        2049,
        3659,
        4045,
        4190,
        5060,
        5061,
        6000,
        6566,
        6665,
        6666,
        6667,
        6668,
        6669,
        6679,
        6697,
        10080,
    }
)

_NAT64_PREFIXES = (ipaddress.IPv6Network("64:ff9b::/96"),)

# Non-public ranges from IANA's special-purpose address registries (IPv4 and IPv6), kept
# here so the policy does not depend on the interpreter's own tables, which changed within
# Python 3.12 (192.0.0.0/24 and 3fff::/20 pass `is_global` on 3.12.1). Whole blocks are
# refused where a registry lists global exceptions inside them: a fetcher needs none.
NON_PUBLIC = tuple(
    ipaddress.ip_network(block)
    for block in """
    0.0.0.0/8 10.0.0.0/8 100.64.0.0/10 127.0.0.0/8 169.254.0.0/16 172.16.0.0/12 192.0.0.0/24
    192.0.2.0/24 192.31.196.0/24 192.52.193.0/24 192.88.99.0/24 192.168.0.0/16
    192.175.48.0/24 198.18.0.0/15 198.51.100.0/24 203.0.113.0/24 224.0.0.0/4 240.0.0.0/4
    255.255.255.255/32
    ::/128 ::1/128 ::ffff:0:0/96 64:ff9b:1::/48 100::/64 2001::/23 2001:db8::/32 2002::/16
    3fff::/20 5f00::/16 fc00::/7 fe80::/10 fec0::/10 ff00::/8
    """.split()
)
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_BLOCKED = AnalysisError(
    ErrorCode.BLOCKED_ADDRESS,
    "That link points to a private or reserved network address, so it was not opened.",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class AddressPolicy:
    """Hosts and networks exempt from the public-address rule (`SOURCECHECK_FETCH_ALLOW`)."""

    allowed_hosts: frozenset[str] = frozenset()
    allowed_networks: tuple[IPNetwork, ...] = field(default_factory=tuple)

    @classmethod
    def from_list(cls, entries: str | list[str]) -> "AddressPolicy":
        """Build from a comma list of host names, addresses and CIDRs.

        Raises ValueError naming the entry that is neither.
        """
        items = entries.split(",") if isinstance(entries, str) else entries
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for raw in items:
            item = raw.strip().lower().strip("[]")
            if not item:
                continue
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                if not _looks_like_hostname(item):
                    raise ValueError(f"not a host name, address or CIDR: {raw.strip()!r}") from None
                hosts.add(item.rstrip("."))
        return cls(allowed_hosts=frozenset(hosts), allowed_networks=tuple(networks))

    def host_allowed(self, host: str) -> bool:
        """Whether a host name is exempt by name."""
        return host.lower().rstrip(".") in self.allowed_hosts

    def check_address(self, address: IPAddress) -> None:
        """Refuse an address that is neither exempt nor globally routable.

        Raises AnalysisError(blocked_address).
        """
        if any(address in net for net in self.allowed_networks if net.version == address.version):
            return
        if not is_public_address(address):
            raise _BLOCKED


def _looks_like_hostname(text: str) -> bool:
    labels = text.rstrip(".").split(".")
    return all(label and all(c.isalnum() or c == "-" for c in label) for label in labels)


def parse_url(url: str) -> httpx.URL:
    """Parse and validate a link a user posted: http(s), a host, no credentials, a safe port.

    Raises AnalysisError(invalid_url) or AnalysisError(blocked_address).
    """
    try:
        parsed = httpx.URL(url.strip())
        host = parsed.host
    except (httpx.InvalidURL, TypeError, ValueError):
        _refuse_inside_spelling(url)
        raise AnalysisError(ErrorCode.INVALID_URL, "That does not look like a web link.") from None
    if parsed.scheme not in ALLOWED_SCHEMES:
        raise AnalysisError(ErrorCode.INVALID_URL, "Only http and https links can be checked.")
    if not host:
        raise AnalysisError(ErrorCode.INVALID_URL, "That link has no host name.")
    if parsed.userinfo:
        raise AnalysisError(
            ErrorCode.INVALID_URL, "Links with a user name or password in them are not opened."
        )
    if parsed.port is not None and parsed.port in BAD_PORTS:
        raise AnalysisError(
            ErrorCode.BLOCKED_ADDRESS, "That link points to a port web pages are not served on."
        )
    return parsed


def _refuse_inside_spelling(url: str) -> None:
    """Links httpx cannot parse but browsers open (`http://0177.0.0.1/`): blocked if inside."""
    try:
        host = urllib.parse.urlsplit(url.strip()).hostname or ""
    except ValueError:
        return
    address = literal_address(host)
    if address is not None and not is_public_address(address):
        raise _BLOCKED


def literal_address(host: str) -> IPAddress | None:
    """The IP address a host spells, in any form a browser accepts, or None for a name."""
    host = host.strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return _parse_loose_ipv4(host)


def _parse_loose_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """WHATWG IPv4 parsing: 1-4 dot parts, each decimal, octal (0...) or hex (0x...)."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    numbers: list[int] = []
    for part in parts:
        number = _parse_ipv4_number(part)
        if number is None:
            return None
        numbers.append(number)
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        return None
    value = last
    for index, number in enumerate(head):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def _parse_ipv4_number(part: str) -> int | None:
    if not part:
        return None
    base, digits = 10, part
    if part[:2].lower() == "0x":
        base, digits = 16, part[2:] or "0"
    elif len(part) > 1 and part[0] == "0":
        base, digits = 8, part[1:]
    try:
        return int(digits, base) if digits.isalnum() else None
    except ValueError:
        return None


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, 6to4, Teredo, NAT64)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.teredo is not None:
        return address.teredo[1]
    if address.sixtofour is not None:
        return address.sixtofour
    for prefix in _NAT64_PREFIXES:
        if address in prefix:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address in _IPV4_COMPATIBLE and int(address) > 1:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_public_address(address: IPAddress) -> bool:
    """Whether an address is globally routable unicast (after unwrapping embedded IPv4)."""
    if isinstance(address, ipaddress.IPv6Address):
        inner = embedded_ipv4(address)
        if inner is not None:
            return is_public_address(inner)
    if any(address in block for block in NON_PUBLIC if block.version == address.version):
        return False
    return address.is_global and not (
        address.is_multicast
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_unspecified
    )

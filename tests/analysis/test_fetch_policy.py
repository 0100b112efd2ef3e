"""The address policy, table-tested without opening any connection."""

import ipaddress

import pytest

from analysis import AnalysisError, ErrorCode
from analysis.fetch import AddressPolicy, is_public_address, literal_address, parse_url
from analysis.fetch.policy import NON_PUBLIC

BLOCKED_HOSTS = [
    ("127.0.0.1", "loopback"),
    ("2130706433", "decimal loopback"),
    ("017700000001", "octal loopback"),
    ("0x7f.1", "hex short loopback"),
    ("0x7f000001", "hex loopback"),
    ("127.1", "short loopback"),
    ("0177.0.0.1", "octal dotted loopback"),
    ("0", "zero"),
    ("0.0.0.0", "unspecified"),
    ("10.0.0.1", "private 10/8"),
    ("172.16.5.4", "private 172.16/12"),
    ("192.168.1.1", "private 192.168/16"),
    ("169.254.169.254", "link-local metadata"),
    ("100.64.0.1", "CGNAT"),
    ("100.100.100.200", "Alibaba metadata in CGNAT"),
    ("224.0.0.1", "multicast"),
    ("240.0.0.1", "reserved"),
    ("255.255.255.255", "broadcast"),
    ("::1", "IPv6 loopback"),
    ("::", "IPv6 unspecified"),
    ("::ffff:127.0.0.1", "IPv4-mapped loopback"),
    ("::ffff:10.0.0.1", "IPv4-mapped private"),
    ("::ffff:169.254.169.254", "IPv4-mapped metadata"),
    ("::127.0.0.1", "IPv4-compatible loopback"),
    ("2002:7f00:1::", "6to4 of loopback"),
    ("2002:a00:1::", "6to4 of 10.0.0.1"),
    ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "Teredo of 10.0.0.1"),
    ("64:ff9b::a00:1", "NAT64 of 10.0.0.1"),
    ("64:ff9b::7f00:1", "NAT64 of loopback"),
    ("64:ff9b:1::a9fe:a9fe", "local NAT64 of metadata"),
    ("fd00:ec2::254", "AWS IPv6 metadata (ULA)"),
    ("fc00::1", "unique local"),
    ("fe80::1", "IPv6 link-local"),
    ("fec0::1", "IPv6 site-local"),
    ("ff02::1", "IPv6 multicast"),
]

PUBLIC_HOSTS = ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8", "1.1.1.1"]


@pytest.mark.parametrize(("host", "why"), BLOCKED_HOSTS, ids=[w for _, w in BLOCKED_HOSTS])
def test_non_public_addresses_are_refused(host: str, why: str) -> None:
    address = literal_address(host)
    assert address is not None, f"{host} should parse as an address ({why})"
    assert not is_public_address(address)
    with pytest.raises(AnalysisError) as caught:
        AddressPolicy().check_address(address)
    assert caught.value.code is ErrorCode.BLOCKED_ADDRESS


@pytest.mark.parametrize("host", PUBLIC_HOSTS)
def test_public_addresses_pass(host: str) -> None:
    address = literal_address(host)
    assert address is not None and is_public_address(address)
    AddressPolicy().check_address(address)


@pytest.mark.parametrize(
    ("spelling", "meant"),
    [
        ("2130706433", "127.0.0.1"),
        ("0x7f.1", "127.0.0.1"),
        ("127.1", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),
        ("10.1", "10.0.0.1"),
        ("192.168.257", "192.168.1.1"),
        ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1"),
    ],
)
def test_loose_spellings_read_as_browsers_read_them(spelling: str, meant: str) -> None:
    assert literal_address(spelling) == ipaddress.ip_address(meant)


@pytest.mark.parametrize("name", ["example.com", "news.bbc.co.uk", "1.2.3.com", "08.1", "0xg"])
def test_names_are_not_addresses(name: str) -> None:
    assert literal_address(name) is None


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("file:///etc/passwd", ErrorCode.INVALID_URL),
        ("gopher://example.com/", ErrorCode.INVALID_URL),
        ("ftp://example.com/file", ErrorCode.INVALID_URL),
        ("javascript:alert(1)", ErrorCode.INVALID_URL),
        ("http://user:pw@example.com/", ErrorCode.INVALID_URL),
        ("http://user:pw@host@127.0.0.1/", ErrorCode.INVALID_URL),
        ("http:///nohost", ErrorCode.INVALID_URL),
        ("http://example.com:22/", ErrorCode.BLOCKED_ADDRESS),
        ("http://example.com:25/", ErrorCode.BLOCKED_ADDRESS),
        ("not a url", ErrorCode.INVALID_URL),
    ],
)
def test_bad_urls_are_refused(url: str, code: ErrorCode) -> None:
    with pytest.raises(AnalysisError) as caught:
        parse_url(url)
    assert caught.value.code is code


def test_allow_list_exempts_hosts_and_networks() -> None:
    policy = AddressPolicy.from_list("127.0.0.1, intranet.local, 10.20.0.0/16")
    policy.check_address(ipaddress.ip_address("127.0.0.1"))
    policy.check_address(ipaddress.ip_address("10.20.3.4"))
    assert policy.host_allowed("Intranet.Local.")
    with pytest.raises(AnalysisError):
        policy.check_address(ipaddress.ip_address("10.21.0.1"))


def test_allow_list_rejects_garbage() -> None:
    with pytest.raises(ValueError, match="not a host name"):
        AddressPolicy.from_list("127.0.0.1, not/a/cidr")


def _edges(block: ipaddress.IPv4Network | ipaddress.IPv6Network) -> list:
    return [block.network_address, block.broadcast_address]


@pytest.mark.parametrize("block", NON_PUBLIC, ids=str)
def test_item_7_every_special_purpose_range_is_refused_at_both_edges(block) -> None:
    """Issue 12, item 7: our own IANA table, not the interpreter's, decides."""
    for address in _edges(block):
        assert not is_public_address(address), address


@pytest.mark.parametrize(
    "outside", ["191.255.255.255", "192.0.1.0", "11.0.0.0", "9.255.255.255", "3ffe:ffff::1"]
)
def test_item_7_the_addresses_beside_a_range_stay_public(outside: str) -> None:
    assert is_public_address(ipaddress.ip_address(outside))


@pytest.mark.parametrize("address", ["192.0.0.192", "192.0.0.1", "3fff::1", "3fff:fff::1"])
def test_item_7_ranges_python_3_12_1_missed_are_refused(address: str) -> None:
    with pytest.raises(AnalysisError):
        AddressPolicy().check_address(ipaddress.ip_address(address))


def test_item_9_local_use_nat64_is_refused_whatever_it_embeds() -> None:
    """`64:ff9b:1::/48` is not read from its last 32 bits (10.0.0.1 there looks like 8.8.8.8)."""
    assert not is_public_address(ipaddress.ip_address("64:ff9b:1:a00:0:100:808:808"))
    assert not is_public_address(ipaddress.ip_address("64:ff9b:1::808:808"))
    assert is_public_address(ipaddress.ip_address("64:ff9b::808:808"))

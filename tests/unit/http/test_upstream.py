"""http/upstream.py: the URL of a forwarded request is always the configured upstream's, and the
headers that go on and come back."""

from __future__ import annotations

import httpx
import pytest

from mockserver.http.upstream import (UnsafePath, check_base_url, encoded_separator, forwarded_headers,
                                      returned_headers, target)

BASE = "https://api.example.com/api/v1"


@pytest.mark.parametrize("relative, query, expected", [
    ("/customers/42", b"", "https://api.example.com/api/v1/customers/42"),
    ("/customers/a b?#", b"x=1&y=%2F", "https://api.example.com/api/v1/customers/a%20b%3F%23?x=1&y=%2F"),
    ("//evil.example/x", b"", "https://api.example.com/api/v1//evil.example/x"),
    ("/@evil.example:80", b"", "https://api.example.com/api/v1/@evil.example:80"),
    ("", b"", "https://api.example.com/api/v1"),
])
def test_the_target_is_always_the_upstreams(relative: str, query: bytes, expected: str) -> None:
    url = target(BASE, relative, query)
    assert str(url) == expected
    assert (url.scheme, url.host, url.port) == ("https", "api.example.com", None)


@pytest.mark.parametrize("relative", ["/a/../b", "/..", "/./x", "/a\\..\\b"])
def test_a_dot_segment_or_backslash_is_refused(relative: str) -> None:
    with pytest.raises(UnsafePath):
        target(BASE, relative, b"")


def test_encoded_separators_are_spotted() -> None:
    assert encoded_separator(b"/users/a%2Fb") and encoded_separator(b"/users/a%5cb")
    assert not encoded_separator(b"/users/a%20b")


@pytest.mark.parametrize("value, said", [
    ("ftp://x/y", "expected an http:// or https:// URL"), ("http:///y", "expected an http:// or https:// URL"),
    ("http://h/y?q=1", "takes no query"), ("http://u:p@h/y", "takes no query, fragment or credentials"),
])
def test_a_bad_base_url_is_refused(value: str, said: str) -> None:
    with pytest.raises(ValueError, match=said):
        check_base_url(value)


def test_hop_by_hop_host_and_the_mocks_own_headers_do_not_go_on() -> None:
    sent = forwarded_headers([(b"host", b"mock:4010"), (b"connection", b"keep-alive, x-private"),
                              (b"x-private", b"1"), (b"keep-alive", b"5"), (b"te", b"trailers"),
                              (b"authorization", b"Bearer k"), (b"x-mock-session", b"s"), (b"content-length", b"3"),
                              (b"accept-encoding", b"gzip"), (b"x-request-id", b"r1")])
    assert sent == [(b"authorization", b"Bearer k"), (b"x-request-id", b"r1"), (b"accept-encoding", b"identity")]


def test_hop_by_hop_and_length_headers_do_not_come_back() -> None:
    headers = httpx.Headers([("Content-Type", "application/json"), ("Content-Length", "9"), ("Connection", "x-a"),
                             ("X-A", "1"), ("Transfer-Encoding", "chunked"), ("Set-Cookie", "a=1"),
                             ("Set-Cookie", "b=2"), (b"X-Name", "caf\u00e9".encode("utf-8"))])
    assert returned_headers(headers) == (("content-type", "application/json"), ("set-cookie", "a=1"),
                                         ("set-cookie", "b=2"), ("x-name", "caf\u00c3\u00a9"))

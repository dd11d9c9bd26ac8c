"""The HTTP client of `--proxy`: one request to the configured upstream, and its reply.

Never an open proxy: the URL is the configured base URL with only its path and query
replaced (scheme, host and port are never read from the request), a path with a dot
segment or an encoded slash or backslash is refused before anything is sent, redirects are
passed back rather than followed, and the environment's proxy settings are not used. The
client's own headers go on (its credentials included) except the hop-by-hop ones, `Host`
(the upstream's) and the mock's own `x-mock-*`; the reply comes back with its hop-by-hop
headers dropped and its length recomputed by the sender.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

import httpx

UPSTREAM = "mockserver.upstream"  # scope extension: the reply came from the upstream (never replayed)

HOP_BY_HOP = frozenset({
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer",
    "transfer-encoding", "upgrade",
})
_NOT_FORWARDED = HOP_BY_HOP | {"host", "content-length", "accept-encoding"}
_NOT_RETURNED = HOP_BY_HOP | {"content-length", "content-encoding", "date", "server"}  # decoded body; uvicorn writes date, server
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


class UpstreamError(Exception):
    """The upstream was not reached, did not answer in time, or answered too much: the reason."""


class UnsafePath(ValueError):
    """A path the proxy will not forward (it could leave the upstream's base path)."""


@dataclass(frozen=True)
class UpstreamReply:
    status: int
    headers: tuple[tuple[str, str], ...]  # as the upstream sent them, less hop-by-hop ones
    body: bytes
    url: str  # what was requested (never anything but the configured upstream)

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((value for key, value in self.headers if key.lower() == name), None)


def check_base_url(value: str) -> str:
    """The upstream base URL as configured, or ValueError with what is wrong with it."""
    try:
        url = httpx.URL(value)
    except Exception as exc:  # httpx.InvalidURL and friends
        raise ValueError(f"not a URL: {exc}") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ValueError("expected an http:// or https:// URL with a host, e.g. https://api.getlago.com/api/v1")
    if url.query or url.fragment or url.userinfo:
        raise ValueError("the upstream URL takes no query, fragment or credentials (clients send their own)")
    return str(url).rstrip("/")


def target(base_url: str, relative_path: str, query_string: bytes) -> httpx.URL:
    """The upstream URL of a request routed at `relative_path` (percent-decoded, under the
    mock's base path of its API): the base URL's scheme, host and port, whatever the path."""
    segments = relative_path.split("/")
    if any(segment in (".", "..") for segment in segments) or "\\" in relative_path:
        raise UnsafePath("a path with a dot segment or a backslash is not forwarded")
    base = httpx.URL(base_url)
    path = base.raw_path.decode("ascii").split("?", 1)[0].rstrip("/") + quote(relative_path, safe=_PATH_SAFE)
    raw = path.encode("ascii") + (b"?" + query_string if query_string else b"")
    url = base.copy_with(raw_path=raw)
    if (url.scheme, url.host, url.port) != (base.scheme, base.host, base.port):  # cannot happen; checked all the same
        raise UnsafePath("the path would leave the upstream")
    return url


def encoded_separator(raw_path: bytes) -> bool:
    """An encoded `/` or `\\` in the raw path: decoded, it would change the path's segments."""
    lowered = raw_path.lower()
    return b"%2f" in lowered or b"%5c" in lowered


def forwarded_headers(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The client's headers as the upstream gets them: hop-by-hop ones (and those its
    `Connection` names), `Host`, `Content-Length` and the mock's own `x-mock-*` left out."""
    named = {token.strip().lower() for key, value in headers if key.lower() == b"connection"
             for token in value.decode("latin-1").split(",")}
    kept = [(key, value) for key, value in headers
            if (name := key.decode("latin-1").lower()) not in _NOT_FORWARDED and name not in named
            and not name.startswith("x-mock-")]
    return kept + [(b"accept-encoding", b"identity")]  # the body is validated and sent on as it is read


def returned_headers(headers: httpx.Headers) -> tuple[tuple[str, str], ...]:
    """The upstream's headers as the client gets them, read as latin-1 (what the mock's reply
    writes them as: the bytes go on as they came), less hop-by-hop ones and those its
    `Connection` names, and those the mock's server writes itself."""
    raw = [(key.decode("latin-1").lower(), value.decode("latin-1")) for key, value in headers.raw]
    named = {token.strip().lower() for key, value in raw if key == "connection" for token in value.split(",")}
    return tuple((key, value) for key, value in raw if key not in _NOT_RETURNED and key not in named)


@lru_cache(maxsize=2)
def _tls(verify: bool) -> ssl.SSLContext | bool:
    """One TLS context per process (building one reads the CA bundle): verified, or not at all."""
    return httpx.create_ssl_context() if verify else False


async def send(method: str, url: httpx.URL, headers: list[tuple[bytes, bytes]], body: bytes, *,
               timeout_s: float, max_bytes: int, verify: bool = True) -> UpstreamReply:
    """One request to the upstream; raises UpstreamError when it cannot be had whole."""
    async with httpx.AsyncClient(verify=_tls(verify), timeout=timeout_s, follow_redirects=False,
                                 trust_env=False) as client:
        try:
            request = client.build_request(method, url, headers=headers, content=body or None)
            response = await client.send(request, stream=True)
            try:
                chunks, size = [], 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise UpstreamError(f"the upstream's reply is over {max_bytes} bytes (--max-upstream-bytes)")
                    chunks.append(chunk)
            finally:
                await response.aclose()
        except httpx.TimeoutException:
            raise UpstreamError(f"the upstream did not answer within {timeout_s:g} s (--proxy-timeout)") from None
        except httpx.HTTPError as exc:
            raise UpstreamError(f"the upstream could not be reached: {type(exc).__name__}: "
                                f"{' '.join(str(exc).split())[:200]}") from None
    return UpstreamReply(response.status_code, returned_headers(response.headers), b"".join(chunks), str(url))

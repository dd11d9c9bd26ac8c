"""Signatures a receiver checks: Standard Webhooks by default, Lago's own where its document says so.

- Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`), made by the
  `standardwebhooks` library itself, so `Webhook(secret).verify(body, headers)` passes.
- Lago (/work/shared/VENDOR-NOTES.md, "Lago webhooks"): `X-Lago-Signature` is the base64 of
  HMAC-SHA256 over the raw body keyed with the subscriber's secret (`hmac`), or an RS256 JWT
  whose `data` claim is the body and whose issuer is `https://api.getlago.com` (`jwt`, Lago's
  default), checked with the public key served at `GET /api/v1/webhooks/public_key`;
  `X-Lago-Signature-Algorithm` says which, `X-Lago-Unique-Key` is the event's id.

The RSA key is drawn from the seed (`lago_key`) at start-up, so every worker of one mock signs
with the key any of them serves, and a restart keeps it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import random
import threading
from datetime import datetime, timezone
from typing import Any

LAGO_ISSUER = "https://api.getlago.com"


def default_secret(seed: int) -> str:
    """The `whsec_` secret of `--webhook-url` subscribers when `--webhook-secret` is not given."""
    return "whsec_" + base64.b64encode(hashlib.sha256(f"mockserver webhook secret {seed}".encode()).digest()).decode()


def standard(secret: str, event_id: str, moment: float, body: bytes) -> tuple[tuple[str, str], ...]:
    from standardwebhooks import Webhook

    stamp = datetime.fromtimestamp(int(moment), timezone.utc)
    signature = Webhook(secret).sign(msg_id=event_id, timestamp=stamp, data=body.decode("utf-8"))
    return (("webhook-id", event_id), ("webhook-timestamp", str(int(moment))), ("webhook-signature", signature))


def lago(secret: str, algorithm: str, event_id: str, body: bytes, seed: int) -> tuple[tuple[str, str], ...]:
    if algorithm == "hmac":
        signature = base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()).decode()
    else:
        import jwt

        signature = jwt.encode({"data": body.decode("utf-8"), "iss": LAGO_ISSUER}, lago_key(seed), algorithm="RS256")
    return (("X-Lago-Signature", signature), ("X-Lago-Signature-Algorithm", algorithm), ("X-Lago-Unique-Key", event_id))


_SMALL_PRIMES = [p for p in range(3, 20000, 2) if all(p % q for q in range(3, int(p ** 0.5) + 1, 2))]


def _probably_prime(n: int, rng: random.Random) -> bool:
    if n < 2 or n % 2 == 0:
        return n == 2
    for p in _SMALL_PRIMES:  # most candidates end here, before any modular exponentiation
        if n % p == 0:
            return n == p
    d, r = n - 1, 0
    while d % 2 == 0:
        d, r = d // 2, r + 1
    for _ in range(5):  # Miller-Rabin: 5 rounds for a random 1024-bit candidate err below 2^-100 (FIPS 186-5, C.3)
        x = pow(rng.randrange(2, n - 1), d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(rng: random.Random, bits: int) -> int:
    while True:
        candidate = rng.getrandbits(bits) | (1 << (bits - 1)) | (1 << (bits - 2)) | 1
        if candidate % 65537 != 1 and _probably_prime(candidate, rng):
            return candidate


_KEYS: dict[int, Any] = {}
_KEYS_LOCK = threading.Lock()


def _after_fork() -> None:
    """A worker forked while another thread of the parent held the lock would inherit it held,
    by a thread it does not have: it gets a free lock."""
    global _KEYS_LOCK
    _KEYS_LOCK = threading.Lock()


os.register_at_fork(after_in_child=_after_fork)


def lago_key(seed: int) -> Any:
    """A 2048-bit RSA private key drawn from the seed: a mock's key, never a secret of anyone's.
    Drawn once per process (`warm`, at start-up, before any worker is forked)."""
    with _KEYS_LOCK:  # one drawing, whoever asks first; the others wait for it
        if seed not in _KEYS:
            _KEYS[seed] = _draw_key(seed)
        return _KEYS[seed]


def warm(seed: int) -> None:
    """Draw the key now, at start-up: before `--workers` fork, so each inherits it, and never
    in a worker beside its event loop (drawing holds the GIL for a fraction of a second)."""
    lago_key(seed)


def _draw_key(seed: int) -> Any:
    from cryptography.hazmat.primitives.asymmetric import rsa

    rng = random.Random(hashlib.sha256(f"mockserver lago rsa {seed}".encode()).digest())
    e = 65537
    while True:
        p, q = _prime(rng, 1024), _prime(rng, 1024)
        if p != q:
            break
    if p < q:
        p, q = q, p
    n, phi = p * q, (p - 1) * (q - 1)
    d = pow(e, -1, phi)
    numbers = rsa.RSAPrivateNumbers(p, q, d, d % (p - 1), d % (q - 1), pow(q, -1, p),
                                    rsa.RSAPublicNumbers(e, n))
    return numbers.private_key()


def lago_public_key(seed: int) -> str:
    """What `GET /api/v1/webhooks/public_key` answers: the PEM public key, base64-encoded."""
    from cryptography.hazmat.primitives import serialization

    pem = lago_key(seed).public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(pem).decode("ascii")

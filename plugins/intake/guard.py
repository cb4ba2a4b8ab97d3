"""Spam and flood defences in front of the spool: origin, rate limits, and a
self-hosted proof of work in the ALTCHA format (no third-party captcha).

Each check is a small pure-ish object the app holds on its state, so tests can
build one with their own clock and limits.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import ipaddress
import json
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

from .config import RateLimit, origin_of


def origin_allowed(
    origin: str | None, referer: str | None, allowed: frozenset[str]
) -> bool:
    """A browser post must come from an allowed origin; other clients send none.

    Browsers send ``Origin`` with every POST; where only ``Referer`` is there its
    origin counts. ``Origin: null`` (sandboxed frames, file pages) is refused.
    """
    if origin is not None:
        return origin.strip().lower() in allowed
    if referer:
        return origin_of(referer) in allowed
    return True


def address_key(host: str) -> str:
    """Group addresses like Isso: IPv4 by /24, IPv6 by /48 (one household, one key)."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


class RateLimiter:
    """Sliding-window counts per key, bounded in memory (oldest keys dropped)."""

    def __init__(
        self,
        limit: RateLimit,
        *,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self._max_keys = max_keys
        self._clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, key: str) -> float:
        """Count one request; 0 when allowed, else the seconds until it would be."""
        if self.limit.count == 0:
            return 0.0
        now = self._clock()
        with self._lock:
            hits = self._hits.pop(key, None) or deque()
            while hits and now - hits[0] >= self.limit.seconds:
                hits.popleft()
            self._hits[key] = hits
            while len(self._hits) > self._max_keys:
                self._hits.popitem(last=False)
            if len(hits) >= self.limit.count:
                return max(0.01, self.limit.seconds - (now - hits[0]))
            hits.append(now)
            return 0.0


@dataclass(frozen=True, slots=True)
class Challenge:
    """An ALTCHA challenge: find ``number`` with sha256(salt + number) == challenge."""

    algorithm: str
    challenge: str
    maxnumber: int
    salt: str
    signature: str

    def as_json(self) -> dict[str, object]:
        return {
            "algorithm": self.algorithm,
            "challenge": self.challenge,
            "maxnumber": self.maxnumber,
            "salt": self.salt,
            "signature": self.signature,
        }


class ProofOfWork:
    """Issue and verify ALTCHA-format challenges, signed with the service's key.

    The reader's browser spends a fraction of a second; a bulk sender pays that
    per comment. Each solved challenge is accepted once (``used`` records it).
    """

    ALGORITHM = "SHA-256"

    def __init__(
        self,
        key: bytes,
        *,
        max_number: int = 100_000,
        lifetime: float = 1800.0,
        used: Callable[[str, float], bool],
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._key = key
        self.max_number = max_number
        self.lifetime = lifetime
        self._used = used
        self._clock = clock

    def _sign(self, challenge: str) -> str:
        return hmac.new(self._key, challenge.encode(), hashlib.sha256).hexdigest()

    def issue(self) -> Challenge:
        expires = int(self._clock() + self.lifetime)
        salt = f"{secrets.token_hex(12)}?expires={expires}"
        number = secrets.randbelow(self.max_number + 1)
        challenge = hashlib.sha256(f"{salt}{number}".encode()).hexdigest()
        return Challenge(
            self.ALGORITHM, challenge, self.max_number, salt, self._sign(challenge)
        )

    def verify(self, payload: str) -> bool:
        """True for a fresh, correctly solved challenge of ours, seen the first time."""
        try:
            data = json.loads(base64.b64decode(payload, validate=True))
            salt = str(data["salt"])
            challenge = str(data["challenge"])
            number = int(data["number"])
            signature = str(data["signature"])
            algorithm = str(data["algorithm"])
        except (ValueError, TypeError, KeyError):
            return False
        if algorithm != self.ALGORITHM or not 0 <= number <= self.max_number:
            return False
        if not hmac.compare_digest(signature, self._sign(challenge)):
            return False
        _, _, expires_text = salt.partition("?expires=")
        try:
            expires = float(expires_text)
        except ValueError:
            return False
        if expires < self._clock():
            return False
        digest = hashlib.sha256(f"{salt}{number}".encode()).hexdigest()
        if not hmac.compare_digest(digest, challenge):
            return False
        return self._used(challenge, expires)


def solve(challenge: Challenge) -> str:
    """What the browser script does, in Python: for tests and API clients."""
    for number in range(challenge.maxnumber + 1):
        digest = hashlib.sha256(f"{challenge.salt}{number}".encode()).hexdigest()
        if digest == challenge.challenge:
            payload = {**challenge.as_json(), "number": number}
            payload.pop("maxnumber")
            return base64.b64encode(json.dumps(payload).encode()).decode()
    raise ValueError("challenge has no solution")

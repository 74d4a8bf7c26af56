"""Signed links to a post-mortem's review page: ``/postmortems/<incident>?expires=<t>&sig=<hex>``.

``sig`` is the hex HMAC-SHA256, under the link secret, of ``postmortem:<incident>:<expires>``
(``expires`` in Unix seconds). Only Slack hands out links (the summary message's "Open draft"
button, the answer to ``/incident postmortem``), so the page needs no login and is never open to
anyone without one. A link stops working when it expires or when the secret changes.

The secret is the ``POSTMORTEM_LINK_SECRET`` setting; without it, one is derived from the Slack
signing secret (every replica has that one), so links work across replicas out of the box.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import Enum
from urllib.parse import urlencode

PATH = "/postmortems/{incident}"  # any text: the page answers every one (see incident_number)
MAX_INCIDENT = 2**31 - 1  # incidents.id is a 32-bit integer on PostgreSQL
MAX_EXPIRES_DIGITS = 12  # Unix seconds until the year 33658
_DERIVATION_LABEL = b"warroom post-mortem review links"


class LinkCheck(Enum):
    VALID = "valid"
    UNSIGNED = "unsigned"  # no signature, a bad one, or one for another incident
    EXPIRED = "expired"


def incident_number(text: str) -> int | None:
    """The incident number a path names, or None when it names none there can be."""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_INCIDENT)):
        return None
    number = int(text)
    return number if 0 < number <= MAX_INCIDENT else None


def derived_secret(slack_signing_secret: str) -> bytes:
    """A link secret of its own, derived from the Slack signing secret (never the same key)."""
    return hmac.new(slack_signing_secret.encode(), _DERIVATION_LABEL, hashlib.sha256).digest()


class ReviewLinks:
    def __init__(
        self,
        public_url: str,
        secret: bytes,
        lifetime: timedelta,
        clock: Callable[[], datetime],
    ) -> None:
        self._public_url = public_url.rstrip("/")
        self._secret = secret
        self._lifetime = lifetime
        self._clock = clock

    def url(self, incident: int) -> str:
        """A link that works for the configured lifetime from now."""
        expires = str(int((self._clock() + self._lifetime).timestamp()))
        query = urlencode({"expires": expires, "sig": self._signature(incident, expires)})
        return f"{self._public_url}/postmortems/{incident}?{query}"

    def check(self, incident: int, expires: str | None, sig: str | None) -> LinkCheck:
        """Whatever the parameters hold (they come from anyone's URL), a verdict."""
        if not expires or not sig or not _digits(expires, MAX_EXPIRES_DIGITS):
            return LinkCheck.UNSIGNED
        expected = self._signature(incident, expires)
        if not hmac.compare_digest(expected.encode(), sig.encode("utf-8", "surrogatepass")):
            return LinkCheck.UNSIGNED
        if int(expires) < self._clock().timestamp():
            return LinkCheck.EXPIRED
        return LinkCheck.VALID

    def _signature(self, incident: int, expires: str) -> str:
        message = f"postmortem:{incident}:{expires}".encode()
        return hmac.new(self._secret, message, hashlib.sha256).hexdigest()


def _digits(text: str, most: int) -> bool:
    return text.isascii() and text.isdigit() and len(text) <= most

"""Acknowledging a page from a phone: the short code a text carries, and what a reply means.

A page's code is derived, not stored: four digits from an HMAC (keyed with the Twilio auth
token) of the page and the person, so a retried or repeated text carries the same code, every
replica computes it alike, and nobody outside can work it out. A reply is trusted only from a
phone that belongs to a person the page went to, and only that person's pages are searched, so
four digits are plenty; should two of one person's open pages share a code, the reply is refused
as ambiguous rather than guessed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

CODE_DIGITS = 4
_ACK_WORDS = frozenset({"ACK", "ACKNOWLEDGE", "ACKNOWLEDGED", "OK", "YES", "Y", "1"})


def reply_code(secret: str, page_id: int, person: str) -> str:
    """The code that acknowledges page ``page_id`` when ``person`` texts it back."""
    message = f"page:{page_id}:person:{person}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:8], 'big') % 10**CODE_DIGITS:0{CODE_DIGITS}d}"


@dataclass(frozen=True)
class ParsedReply:
    """``acknowledge``: the text asks to acknowledge; ``code``: the page it names, if any."""

    acknowledge: bool
    code: str | None = None


def parse_reply(text: str) -> ParsedReply:
    """``ACK 4821``, ``4821``, ``ack``, ``1``, ``yes`` acknowledge; anything else does not."""
    words = [w for w in re.split(r"[\s.,;:!#]+", text.strip().upper()) if w]
    codes = [w for w in words if w.isdigit() and len(w) == CODE_DIGITS]
    others = [w for w in words if w not in codes]
    if len(codes) == 1 and all(w in _ACK_WORDS for w in others):
        return ParsedReply(True, codes[0])
    if words and not codes and all(w in _ACK_WORDS for w in words):
        return ParsedReply(True)
    return ParsedReply(False)

"""Incident channel names under Slack's rules: lowercase letters, digits, ``-`` and ``_``, <= 80."""

from __future__ import annotations

import re
import unicodedata

MAX_CHANNEL_NAME = 80
_NOT_ALLOWED = re.compile(r"[^a-z0-9]+")


class TitleHasNoWords(ValueError):
    """A title with nothing to name a channel after (emoji or punctuation only)."""


def slugify(text: str) -> str:
    """ASCII-fold, lowercase, and join the remaining words with ``-``."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return _NOT_ALLOWED.sub("-", folded.lower()).strip("-")


def channel_name(number: int, title: str, attempt: int = 0) -> str:
    """``inc-<number>-<slug>``; ``attempt`` > 0 adds a ``-<attempt+1>`` suffix for a name collision.

    The slug is cut at a word boundary where it can be, so the suffix always fits in 80 characters.
    """
    slug = slugify(title)
    if not slug:
        raise TitleHasNoWords(
            "the title has no letters or digits to name the channel after; "
            "describe the problem in words, e.g. `Checkout latency high`"
        )
    prefix = f"inc-{number}-"
    suffix = f"-{attempt + 1}" if attempt else ""
    room = MAX_CHANNEL_NAME - len(prefix) - len(suffix)
    if len(slug) > room:
        cut = slug[:room]
        slug = cut.rsplit("-", 1)[0] if "-" in cut[room // 2 :] else cut
        slug = slug.rstrip("-")
    return f"{prefix}{slug}{suffix}"

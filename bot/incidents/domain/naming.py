"""Incident channel names under Slack's rules: lowercase letters, digits, ``-`` and ``_``, <= 80.

A title is never refused for its looks: accents fold to ASCII (``Café`` -> ``cafe``), and a title
with nothing Latin left (emoji only, Japanese, ...) names its channel ``inc-<number>``.
"""

from __future__ import annotations

import re
import unicodedata

MAX_CHANNEL_NAME = 80
_NOT_ALLOWED = re.compile(r"[^a-z0-9]+")
# Letters NFKD does not decompose into a base letter plus accents.
_SPELLED_OUT = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ø": "o", "Ø": "o", "ł": "l",
     "Ł": "l", "đ": "d", "Đ": "d", "þ": "th", "Þ": "th", "ð": "d", "Ð": "d", "\u0131": "i"}
)  # fmt: skip


def slugify(text: str) -> str:
    """ASCII-fold, lowercase, and join the remaining words with ``-``."""
    spelled = text.translate(_SPELLED_OUT)
    folded = unicodedata.normalize("NFKD", spelled).encode("ascii", "ignore").decode("ascii")
    return _NOT_ALLOWED.sub("-", folded.lower()).strip("-")


def channel_name(number: int, title: str, attempt: int = 0) -> str:
    """``inc-<number>-<slug>`` (``inc-<number>`` when no slug); ``attempt`` > 0 adds a
    ``-<attempt+1>`` suffix for a name collision.

    The slug is cut at a word boundary where it can be, so the suffix always fits in 80 characters.
    """
    slug = slugify(title)
    prefix = f"inc-{number}"
    suffix = f"-{attempt + 1}" if attempt else ""
    room = MAX_CHANNEL_NAME - len(prefix) - 1 - len(suffix)
    if len(slug) > room:
        cut = slug[:room]
        slug = cut.rsplit("-", 1)[0] if "-" in cut[room // 2 :] else cut
        slug = slug.rstrip("-")
    return f"{prefix}-{slug}{suffix}" if slug else f"{prefix}{suffix}"

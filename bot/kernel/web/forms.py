"""URL-encoded form bodies (``application/x-www-form-urlencoded``), decoded as ``parse_qsl`` does.

A button click or a modal submission carries the whole card or modal as percent-encoded JSON:
often over 10 KB, thousands of ``%XX`` escapes, which ``urllib.parse.unquote`` decodes one at a
time in Python (a quarter of the CPU of a click's ack). ``binascii.a2b_qp`` decodes
quoted-printable's ``=XX`` escapes in C, and a well-formed ASCII value's percent escapes are
exactly those once ``%`` reads ``=``; anything else (a bare ``=``, a line break, a broken
escape, a character beyond ASCII) goes to ``unquote``: the result is ``parse_qsl``'s for
every input.
"""

from __future__ import annotations

import binascii
from urllib.parse import unquote


class TooManyFields(ValueError):
    pass


def form_pairs(text: str, *, max_fields: int | None = None) -> list[tuple[str, str]]:
    """The (name, value) pairs of ``text`` in order, as ``parse_qsl(text,
    keep_blank_values=True)`` gives them; ``TooManyFields`` past ``max_fields``."""
    if max_fields is not None and text.count("&") >= max_fields:
        raise TooManyFields(f"more than {max_fields} form fields")
    pairs = []
    for field in text.split("&"):
        if field:
            name, _, value = field.partition("=")
            pairs.append((_unquote_plus(name), _unquote_plus(value)))
    return pairs


def _unquote_plus(value: str) -> str:
    value = value.replace("+", " ")
    if "%" not in value:
        return value
    if not value.isascii() or "=" in value or "\r" in value or "\n" in value:
        return unquote(value)  # quoted-printable reads these otherwise
    raw = value.encode()
    decoded = binascii.a2b_qp(raw.replace(b"%", b"="))
    # Each well-formed escape turns three bytes into one; a broken one (``%zz``, a ``%`` at
    # the end) loses fewer, and unquote keeps it as it was.
    if len(decoded) != len(raw) - 2 * raw.count(b"%"):
        return unquote(value)
    return decoded.decode("utf-8", "replace")

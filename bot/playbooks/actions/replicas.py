"""The ``replicas`` parameter of ``kubernetes.scale``: an absolute count, a change or a factor.

- ``6``: exactly 6.
- ``+2`` / ``-1``: the current count plus or minus that many.
- ``x2``, ``x1.5`` (also ``X`` or ``*``): the current count times the factor, rounded up, so a
  factor above 1 always adds at least one replica when there is one. The factor must be above 0.

:func:`parse_replicas` raises ``ValueError`` with a message for people; :meth:`ReplicaChange.
apply` may give a negative count (``-5`` from 3): the caller refuses it. Factors are exact
decimals (``x1.1`` of 10 is 11, not 12 by float rounding).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal

MAX_DIGITS = 6  # counts beyond 999999 replicas are typos, not requests
_ABSOLUTE = re.compile(rf"[0-9]{{1,{MAX_DIGITS}}}")
_RELATIVE = re.compile(rf"[+-][0-9]{{1,{MAX_DIGITS}}}")
_FACTOR = re.compile(r"[xX*]([0-9]{1,4}(?:\.[0-9]{1,4})?)")

Kind = Literal["absolute", "relative", "factor"]


@dataclass(frozen=True)
class ReplicaChange:
    kind: Kind
    amount: Fraction  # the count, the change, or the factor
    text: str  # as written, e.g. "x1.5"

    def apply(self, current: int) -> int:
        if self.kind == "absolute":
            return int(self.amount)
        if self.kind == "relative":
            return current + int(self.amount)
        return math.ceil(current * self.amount)


def parse_replicas(text: str) -> ReplicaChange:
    """The change ``text`` asks for; ``ValueError`` saying what is accepted otherwise."""
    written = text.strip().replace(" ", "")
    if _ABSOLUTE.fullmatch(written):
        return ReplicaChange("absolute", Fraction(int(written)), written)
    if _RELATIVE.fullmatch(written):
        return ReplicaChange("relative", Fraction(int(written)), written)
    factor = _FACTOR.fullmatch(written)
    if factor:
        amount = Fraction(Decimal(factor.group(1)))
        if amount <= 0:
            raise ValueError(f"the factor in {text.strip()!r} must be above 0")
        return ReplicaChange("factor", amount, written)
    raise ValueError(
        f"{text.strip()!r} is not a replica count: write a count (`6`), a change (`+2`, `-1`) "
        "or a factor (`x2`, `x1.5`)"
    )

"""Severities SEV1 (critical) to SEV4 (minor)."""

from __future__ import annotations

import re
from enum import StrEnum

_SEVERITY_WORD = re.compile(r"^sev-?\d+$", re.IGNORECASE)


class Severity(StrEnum):
    SEV1 = "SEV1"
    SEV2 = "SEV2"
    SEV3 = "SEV3"
    SEV4 = "SEV4"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def public_state(self) -> str:
        """What a status page says of a component this incident affects while it is open."""
        return _PUBLIC_STATES[self]

    @property
    def emoji(self) -> str:
        return _EMOJI[self]

    @classmethod
    def parse(cls, text: str) -> Severity:
        """Accepts ``sev2``, ``SEV2``, ``Sev-2``; raises ``ValueError`` naming the valid values."""
        cleaned = text.strip().upper().replace("-", "").replace(" ", "")
        try:
            return cls(cleaned)
        except ValueError:
            raise ValueError(
                f"unknown severity {text!r}: use one of sev1 (critical), sev2 (major), "
                "sev3 (minor), sev4 (cosmetic)"
            ) from None

    @classmethod
    def looks_like(cls, word: str) -> bool:
        """``sev2``, ``SEV-9``: meant as a severity (valid or not), unlike the word ``severe``."""
        return _SEVERITY_WORD.match(word.strip()) is not None


_LABELS = {
    Severity.SEV1: "critical",
    Severity.SEV2: "major",
    Severity.SEV3: "minor",
    Severity.SEV4: "cosmetic",
}
_EMOJI = {
    Severity.SEV1: ":red_circle:",
    Severity.SEV2: ":large_orange_circle:",
    Severity.SEV3: ":large_yellow_circle:",
    Severity.SEV4: ":white_circle:",
}
_PUBLIC_STATES = {
    Severity.SEV1: "major outage",
    Severity.SEV2: "partial outage",
    Severity.SEV3: "degraded performance",
    Severity.SEV4: "degraded performance",
}

"""What the blame grammar finds: a ``Hit`` in one of the ``CATEGORIES``."""

from __future__ import annotations

from dataclasses import dataclass

OMISSION = "omission"
COUNTERFACTUAL = "counterfactual"
JUDGEMENT = "judgement"
POSSESSIVE = "possessive"
CAUSE = "cause"
HARM = "harm"
CHANGE = "change"
CATEGORIES = (OMISSION, COUNTERFACTUAL, JUDGEMENT, POSSESSIVE, CAUSE, HARM, CHANGE)


@dataclass(frozen=True)
class Hit:
    category: str
    start: int  # character offsets in the sentence
    end: int
    words: str  # the words that read as blame, for the finding's explanation

"""Actions framed as meant or as a fix: a purpose ("to free disk space"), a stale object, "as
planned", "per the runbook". The harm, change and omission readings leave those alone."""

from __future__ import annotations

from collections.abc import Sequence

from bot.postmortems.domain.blame import lexicon as lex
from bot.postmortems.domain.blame.words import Token, stems


def a_remedy(tokens: Sequence[Token], verb: int, end: int) -> bool:
    """A destructive verb used as a fix: its object is stale, stuck or temporary, or it is done
    for a purpose ("to free disk space")."""
    window = [t.low for t in tokens[verb + 1 : min(end, verb + 7)]]
    obj = window[: next((k for k, w in enumerate(window) if w in lex.PREPOSITIONS), len(window))]
    return any(w in lex.REPAIR_OBJECTS for w in obj) or any(
        w == "to" and purpose_verb(window, k + 1) for k, w in enumerate(window)
    )


def purpose_verb(window: Sequence[str], at: int) -> bool:
    """Whether "to" before ``at`` opens a purpose ("to stop the errors", "to clear it"), not a
    destination ("to prod", "to 5000", "to the public repo")."""
    if at >= len(window) or not window[at].isalpha():
        return False
    after = window[at + 1] if at + 1 < len(window) else ""
    return (
        purpose_word(window[at])
        or after in lex.DETERMINERS
        or after in lex.POSSESSIVE_PRONOUNS
        or after in ("it", "them", "up", "down", "off", "out")
    ) and window[at] not in lex.DETERMINERS


_PURPOSES = frozenset().union(
    lex.REMEDIAL_VERBS,
    lex.PERCEPTION_VERBS,
    lex.DILIGENCE_VERBS,
    lex.word_set(
        "clear unblock free save keep avoid prevent reduce speed make get let allow help protect "
        "limit recover buy shed relieve ease unstick mitigate"
    ),
)


def purpose_word(word: str) -> bool:
    """Whether ``word`` (after "to") names what a remedy is for: "free", "stop", "make room"."""
    return word.isalpha() and not stems(word).isdisjoint(_PURPOSES)


def remedial_object(window: Sequence[str]) -> bool:
    """A flag or feature turned off is a remedy ("disabled the feature flag")."""
    return any(w in ("flag", "flags", "feature", "toggle", "experiment") for w in window[:4])


def as_intended(tokens: Sequence[Token], at: int) -> bool:
    """Whether the rest of the sentence says the action or its effect was meant: "as planned",
    "as agreed in the change", "per the runbook", "for the planned maintenance"."""
    lows = [t.low for t in tokens[at:]]
    for k, word in enumerate(lows):
        if word in _INTENDED and k > 0 and lows[k - 1] in ("as", "the", "a"):
            return True
        if word in ("as", "per", "following") and any(
            w in _PROCEDURES for w in lows[k + 1 : k + 3]
        ):
            return True
    return False


_INTENDED = frozenset(
    {"planned", "expected", "intended", "designed", "scheduled", "announced", "agreed"}
)
_PROCEDURES = frozenset({"runbook", "playbook", "procedure", "documented", "approved", "agreed"})

"""The prefilter: which words make a sentence (or a line) worth reading at all."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from bot.postmortems.domain.blame import lexicon as lex
from bot.postmortems.domain.blame.words import BOUNDARY, TOKEN, stems


def _past(base: str) -> str:
    if base.endswith("e"):
        return base + "d"
    if (
        len(base) > 2
        and base[-1] not in "aeiouwy"
        and base[-2] in "aeiou"
        and base[-3] not in "aeiou"
    ):
        return base + base[-1] + "ed"
    return base + "ed"


# The verbs of the gapped cause frames ("traced the outage back to X"): ``cause`` reads them,
# and they are cues, which ``people`` needs below the categories.
GAPPED_FRAMES = frozenset({"trace", "pin", "chalk", "attribute"})


# What makes a sentence worth reading: a word from one of the grammar's lists. Every category
# needs one (a "strong" cue), except possessive blame, which needs an owner ("'s", "their")
# and a blame noun together. ``analyse`` returns nothing without them, and ``cue_chunks`` picks
# a text's words by the same test, so reading only sentences that hold one finds the same.
_INFLECTED_CUES = frozenset().union(
    lex.FAILURE_VERBS,
    lex.JUDGEMENT,
    set(lex.JUDGEMENT_PHRASES) - {"more", "less", "common", "bad", "eye", "eyes", "no", "one"},
    {"fail", "let", "leave", "obvious", "cut"},
    lex.DESTRUCTIVE_VERBS,
    lex.DAMAGE_VERBS,
    lex.DEFEAT_VERBS,
    GAPPED_FRAMES,
)
_EXACT_CUES = frozenset().union(
    lex.CF_MODALS,
    lex.DEFIANCE,
    lex.UNREADY,
    lex.NEGATIONS,
    lex.CAUSE_NOUNS,
    lex.CAUSAL_WORDS,
    lex.JUDGEMENT_PHRASES["more"],  # "more careful": the rarer word is the cue
    lex.JUDGEMENT_PHRASES["less"],
    {"sense", "without", "against", "supposed", "meant", "expected", "better", "if", "unless"},
    {"responsible", "too", "nowhere", "off", "excuse", "job", "why", "chance", "opportunity"},
    lex.SLIP_ADVERBS,
    lex.RISKY,
    lex.START_VERBS,
    lex.UNDONE,
    {"accountable", "nobody", "none", "no-one", "n't"},
    lex.DESTRUCTIVE_COMMANDS,
    lex.SECRETS,
    {"instead", "sleep", "bed", "mistake", "accident"},
    {form for base in lex.DAMAGE_PHRASES for form in (_past(base), base)},
    {form for form, base in lex.IRREGULAR.items() if base in lex.DAMAGE_PHRASES},
)
_PHRASAL_PAST = frozenset(
    {form for form, base in lex.IRREGULAR.items() if base in lex.PHRASAL_FAILURES}
    | {_past(base) for base in lex.PHRASAL_FAILURES}
)
STRONG, OWNER, BLAME_NOUN, CHANGED = 1, 2, 4, 64


@lru_cache(maxsize=65536)
def cue_kind(low: str) -> int:
    """Which cues a token (lower case) is: STRONG, OWNER and BLAME_NOUN bits."""
    bases = stems(low)
    kind = 0
    if (
        low in _EXACT_CUES
        or low in _PHRASAL_PAST
        or not bases.isdisjoint(_INFLECTED_CUES)
        or low.partition("-")[0] in lex.JUDGEMENT
        or ("-" in low and not stems(low.rpartition("-")[2]).isdisjoint(_INFLECTED_CUES))
    ):
        kind |= STRONG
    if low in ("'s", "'") or low in lex.POSSESSIVE_PRONOUNS:
        kind |= OWNER
    if not bases.isdisjoint(lex.BLAME_NOUNS) or low in ("part", "depth"):  # "out of his depth"
        kind |= BLAME_NOUN
    if _changed(low):
        kind |= CHANGED
    return kind


def _changed(low: str) -> bool:
    """A change verb in the past ("restarted", "force-deleted", "ran") or a light verb that may
    carry one ("kept hammering"): what the ``change`` category needs."""
    if not (low.endswith("ed") and len(low) > 4) and lex.IRREGULAR.get(low, low) == low:
        return False
    bases = stems(low) | stems(low.rpartition("-")[2])
    return not bases.isdisjoint(lex.CHANGE_VERBS) or low in lex.LIGHT_VERBS or "roll" in bases


def has_cue(lows: Sequence[str]) -> bool:
    """Whether a sentence's tokens (lower case) hold what some category needs."""
    kinds = 0
    for at, low in enumerate(lows):
        kind = cue_kind(low)
        if kind & STRONG or (low == "had" and at == 0):
            return True
        if kind & CHANGED and (at == 0 or lows[at - 1] in BOUNDARY or lows[at - 1] == ","):
            kind &= ~CHANGED  # "Person 10: Restarted checkout-0" has no subject to the verb
        if low == "no" and at + 1 < len(lows) and lows[at + 1] == "one":
            return True
        if low == "with" and at + 1 < len(lows) and lows[at + 1] in ("no", "zero"):
            return True  # "with no change ticket"
        kinds |= kind
    if kinds & CHANGED and PROCEDURE.isdisjoint(lows):
        return True  # a change, unless a runbook step or procedure frames it
    return kinds & (OWNER | BLAME_NOUN) == OWNER | BLAME_NOUN


NO, ONE, WITH = 8, 16, 32


def cue_chunks(folded: str) -> dict[int, set[str]]:
    """The whitespace-separated chunks of a case-folded text that hold cues, by cue bit. A line
    may hold a finding only if its chunks hold a strong cue, an owner with a blame noun, or
    "no" with "one" (``LINE_CUES``); ``analyse`` flags nothing in any other line."""
    found: dict[int, set[str]] = {
        STRONG: set(),
        CHANGED: set(),
        OWNER: set(),
        BLAME_NOUN: set(),
        NO: set(),
        ONE: set(),
        WITH: set(),
    }
    for chunk in set(folded.split()):
        kinds = _chunk_kind(chunk)
        if kinds:
            for bit, chunks in found.items():
                if kinds & bit:
                    chunks.add(chunk)
    return found


LINE_CUES = ((STRONG,), (OWNER, BLAME_NOUN), (NO, ONE), (WITH, NO), (CHANGED,))


def _chunk_kind(chunk: str) -> int:
    if chunk.isalpha():
        return _word_kind(chunk)
    kinds = 0
    for low in TOKEN.findall(chunk):
        kinds |= _word_kind(low.replace("\u2019", "'"))
    return kinds


@lru_cache(maxsize=65536)
def _word_kind(low: str) -> int:
    if low == "had":
        return STRONG
    return (
        cue_kind(low)
        | (NO if low in ("no", "zero") else 0)
        | (ONE if low == "one" else 0)
        | (WITH if low == "with" else 0)
    )


PROCEDURE = frozenset(
    {"runbook", "runbooks", "playbook", "playbooks", "procedure", "checklist", "documented", "step"}
)

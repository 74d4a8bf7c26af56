"""The blame in the verb phrase after a person subject: omission ("skipped", "did not
test", "took down") or counterfactual ("should have", "was supposed to")."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bot.postmortems.domain.blame import lexicon as lex
from bot.postmortems.domain.blame.cause import OUTCOMES
from bot.postmortems.domain.blame.hits import CAUSE, COUNTERFACTUAL, OMISSION, Hit
from bot.postmortems.domain.blame.intent import a_remedy
from bot.postmortems.domain.blame.words import (
    BOUNDARY,
    LIGHT_LINKS,
    PASSIVE_AUX,
    Token,
    glue,
    span_words,
    stem_in,
    stems,
)

_ABILITY = frozenset({"can", "cannot", "will", "'ll", "may", "might", "could", "shall"})
_CHANCES = frozenset({"chance", "chances", "opportunity", "opportunities"})


def verb_phrase(
    tokens: Sequence[Token], at: int, end: int, mode: str, negated: bool, subject: int
) -> Hit | None:
    """The blame in the verb phrase starting at ``at`` (auxiliaries, adverbs, then the verb)."""
    modal = have = passive = slip = able = False
    first = at
    if at < end and tokens[at].low == "had":  # "had the chance to stop it"
        chance = next(
            (k for k in range(at + 1, min(at + 4, end)) if tokens[k].low in _CHANCES), None
        )
        if chance is not None:
            return Hit(COUNTERFACTUAL, subject, tokens[chance].end, span_words(tokens, at, chance))
    while at < end and (glue(tokens[at]) or tokens[at].low in lex.LIGHT_VERBS):
        low = tokens[at].low
        slip = slip or low in lex.SLIP_ADVERBS
        if (
            low == "to"
            and tokens[at - 1].low != "ought"
            and tokens[at - 1].low not in lex.LIGHT_VERBS
            and not (tokens[at - 1].low in lex.NEGATIONS and tokens[at - 2].low == "ought")
        ):
            break
        if low in lex.LIGHT_VERBS and at + 1 < end and tokens[at + 1].low in LIGHT_LINKS:
            at += 1  # "went ahead", "insisted on"
        modal = modal or low in lex.CF_MODALS
        able = able or low in _ABILITY
        have = have or (modal and low in ("have", "'ve"))
        negated = negated or low in lex.NEGATIONS
        passive = passive or low in PASSIVE_AUX
        if low in ("had", "'d") and mode in ("if", "had"):
            have = modal = True
        at += 1
    if at >= end:  # "... and nobody did."
        return Hit(OMISSION, subject, tokens[at - 1].end, "") if negated and mode else None
    verb = tokens[at]
    if tokens[at - 1].low in ("the", "a", "an"):
        return None
    nxt = tokens[at + 1].low if at + 1 < len(tokens) else ""

    def hit(category: str, last: int) -> Hit:
        words = " ".join(t.text for t in tokens[at : last + 1])
        return Hit(category, subject, tokens[last].end, words)

    if (modal and have) or mode == "had":
        return hit(COUNTERFACTUAL, at)
    if slip and not passive:
        return Hit(OMISSION, subject, verb.end, span_words(tokens, first, at))
    if verb.low in ("supposed", "needed", "meant", "expected") and nxt == "to":
        return hit(COUNTERFACTUAL, at + 1)
    if verb.low in ("ought", "should") and nxt in ("to", "have", "'ve", "not"):
        return hit(COUNTERFACTUAL, at + 1)
    if passive and negated and verb.low == "bothered":
        return hit(OMISSION, at)  # "couldn't be bothered to check"
    if passive and (
        verb.low.endswith(("ed", "en"))
        or lex.IRREGULAR.get(verb.low, verb.low) != verb.low
        or verb.low in lex.PARTICIPLES
    ):
        return None  # "was sent the wrong link by the bot": done to the person
    bases = stems(verb.low)
    if not bases.isdisjoint(lex.FAILURE_VERBS):
        if not bases.isdisjoint(lex.DESTRUCTIVE_VERBS) and a_remedy(tokens, at, end):
            return None  # "truncated the temp table to free disk space"
        return hit(OMISSION, at)
    if "fail" in bases and nxt == "to":
        return hit(OMISSION, at + 1)
    if negated and not able and not bases.isdisjoint(lex.DILIGENCE_VERBS):
        return hit(OMISSION, at)  # not "so that nobody can run it": what the system will allow
    if negated and "get" in bases and nxt in ("round", "around"):
        return hit(OMISSION, at + 1)  # "never got round to it"
    trouble = at + 2 < end and tokens[at + 2].low in ("trouble", "time", "care")
    if negated and "take" in bases and nxt == "the" and trouble:
        return hit(OMISSION, at + 2)  # "nobody took the trouble to update the numbers"
    return _phrasal(tokens, at, end, bases, hit)


def _phrasal(
    tokens: Sequence[Token],
    at: int,
    end: int,
    bases: frozenset[str],
    make: Callable[[str, int], Hit],
) -> Hit | None:
    """Failures spelled with more than the verb: "took down", "let ... lapse", "left ...
    running", "pushed an untested build", "promoted the wrong replica"."""
    ahead = [t.low for t in tokens[at + 1 : min(end, at + 6)]]
    past_determiner = next((w for w in ahead if w not in lex.DETERMINERS), "")
    for base in bases:
        particles = lex.PHRASAL_FAILURES.get(base)
        if (
            particles
            and ahead
            and (
                ahead[0] in particles
                or past_determiner in particles
                or _separated(ahead, particles)
            )
        ):
            if base == "drop" and not any(w in lex.DROP_OBJECTS for w in ahead[1:4]):
                continue
            return make(OMISSION, at + 1)
    if "go" in bases and any(w in ("sleep", "bed") for w in ahead[:3]):
        return make(OMISSION, at)  # "went back to sleep"
    if "let" in bases and any(stem_in(w, lex.LET_COMPLEMENTS) for w in ahead[1:5]):
        return make(OMISSION, at)
    if "leave" in bases and (
        ahead[:1] == ["out"] or any(w in lex.LEAVE_COMPLEMENTS for w in ahead[1:5])
    ):
        return make(OMISSION, at)
    if not bases.isdisjoint(lex.START_VERBS) and any(w in OUTCOMES for w in ahead[:4]):
        return make(CAUSE, at)
    if (
        any(w in lex.RISKY for w in ahead[:4])
        and bases.isdisjoint(lex.REMEDIAL_VERBS)
        and bases.isdisjoint(lex.PERCEPTION_VERBS)
    ):
        return make(OMISSION, at)
    if not bases.isdisjoint(lex.SHIP_VERBS) and any(w in lex.UNREADY for w in ahead[:4]):
        return make(OMISSION, at)
    if "wrong" in ahead[:3] and bases.isdisjoint(lex.PERCEPTION_VERBS):
        return make(OMISSION, at)
    return None


def _separated(ahead: Sequence[str], particles: frozenset[str]) -> bool:
    """The particle after a short object: "waved the change through", "took the site down"
    (not "took the host out of rotation", which is routine)."""
    if not ahead or (ahead[0] not in lex.DETERMINERS and ahead[0] not in lex.POSSESSIVE_PRONOUNS):
        return False
    for look in range(1, min(len(ahead), 4)):
        word = ahead[look]
        if word in particles:
            return look + 1 >= len(ahead) or ahead[look + 1] not in ("of", "for", "to")
        if word in BOUNDARY or word == "," or word in lex.PREPOSITIONS:
            return False
    return False

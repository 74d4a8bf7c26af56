"""The ``harm`` category: a person subject's action marked as damaging by its verb, object or
manner, or by the damage the following clause says it did."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.postmortems.domain.blame import lexicon as lex
from bot.postmortems.domain.blame.hits import HARM, Hit
from bot.postmortems.domain.blame.intent import as_intended, purpose_verb, remedial_object
from bot.postmortems.domain.blame.people import Mention
from bot.postmortems.domain.blame.subjects import subject_mode
from bot.postmortems.domain.blame.words import (
    Token,
    clause_end,
    glue,
    main_verb,
    past_like,
    span_words,
    stem_in,
    stems,
)


def harms(tokens: Sequence[Token], mentions: Sequence[Mention]) -> Iterable[Hit]:
    """A person subject's action marked as damaging by its verb, object or manner, or by the
    damage the following clause says it did."""
    for mention in mentions:
        mode = subject_mode(tokens, mention)
        if mode not in ("clause", "cleft"):
            continue
        start = mention.end
        starts = []
        if start + 1 < len(tokens) and tokens[start].low == "," and tokens[start + 1].low == "who":
            aside = next((k for k in range(start + 2, len(tokens)) if tokens[k].low == ","), None)
            if aside is not None:
                starts.append(aside + 1)  # "Rasmus, who was on call, force-deleted ..."
            start += 1
        if start < len(tokens) and tokens[start].low in ("who", "that"):
            start += 1
        elif start < len(tokens) and tokens[start].low in lex.PREPOSITIONS:
            start = next(  # "the SRE on rotation restarted ..."
                (k for k in range(start + 1, min(start + 5, len(tokens))) if past_like(tokens[k])),
                len(tokens),
            )
        verbs = [v for v in (main_verb(tokens, at) for at in [start, *starts]) if v is not None]
        if not verbs:
            continue
        verb = verbs[0] if len(verbs) == 1 else verbs[-1]
        hit = _harm_of(tokens, verbs[0], tokens[mention.start].start)
        if hit is None and verb != verbs[0]:
            hit = _harm_of(tokens, verb, tokens[mention.start].start)
        if hit is not None and as_intended(tokens, verbs[0] + 1):
            continue  # "as planned", "per the runbook", "for the planned maintenance"
        if hit is not None and mention.kind == "unknown" and hit.words.split()[-1] not in _HUMAN:
            continue  # a capitalised word may be a product: products delete and drop things
        if hit is not None:
            yield hit
            return


# What only people do, so an unknown capitalised subject doing it is a person: put a secret
# where it leaks, or pick one thing "instead of" another.
_HUMAN = frozenset(lex.SECRETS | {"of"})


def _harm_of(tokens: Sequence[Token], verb: int, subject: int) -> Hit | None:
    end = clause_end(tokens, verb + 1)
    low = tokens[verb].low
    bases = stems(low) | stems(low.rpartition("-")[2])  # "force-deleted"
    window = [t.low for t in tokens[verb + 1 : min(end, verb + 7)]]
    remedial = not bases.isdisjoint(lex.REMEDIAL_VERBS) or not bases.isdisjoint(
        lex.PERCEPTION_VERBS
    )
    purpose = any(w == "to" and purpose_verb(window, k + 1) for k, w in enumerate(window)) or any(
        t.low in ("so", "order") for t in tokens[verb + 1 : end]
    )
    obj = window[: next((k for k, w in enumerate(window) if w in lex.PREPOSITIONS), len(window))]
    repair = any(w in lex.REPAIR_OBJECTS for w in obj)  # its object, not where it went

    def hit(last: int) -> Hit:
        return Hit(HARM, subject, tokens[last].end, span_words(tokens, verb, last))

    if not purpose and not repair:
        if not bases.isdisjoint(lex.DESTRUCTIVE_VERBS) and (
            "drop" not in bases or any(w in lex.DROP_OBJECTS for w in window[:4])
        ):
            return hit(verb)
        if not bases.isdisjoint(lex.RUN_VERBS):
            for k, w in enumerate(window[:4]):
                if w in lex.DESTRUCTIVE_COMMANDS:
                    return hit(verb + 1 + k)
        defeat = bases & lex.DEFEAT_VERBS
        meanwhile = end < len(tokens) and tokens[end].low in ("while", "during")
        if defeat and not remedial_object(window) and not meanwhile:
            needs_particle = bool(defeat & {"switch", "turn", "shut", "comment", "kill"})
            if not needs_particle or any(w in lex.DEFEAT_PARTICLES for w in window[:5]):
                for k, w in enumerate(window[:5]):
                    if stem_in(w, lex.SAFEGUARDS):
                        return hit(verb + 1 + k)
    if not purpose and not bases.isdisjoint(lex.LEAK_VERBS):
        for k, w in enumerate(obj):  # "committed the fix for the password check": no secret
            if w in lex.SECRETS:
                return hit(verb + 1 + k)
    for at in range(verb + 1, end):
        low = tokens[at].low
        if low == "instead" and at + 1 < end and tokens[at + 1].low == "of" and not remedial:
            return hit(at + 1)  # "restarted the primary instead of the standby"
        if low == "with" and not remedial:  # "with the failing check overridden"
            for k in range(at + 1, min(at + 5, end)):
                word = tokens[k].low
                if past_like(tokens[k]) and not stems(word).isdisjoint(
                    lex.FAILURE_VERBS | lex.DEFEAT_VERBS
                ):
                    return hit(k)
    if remedial or purpose:
        return None
    return _consequence(tokens, verb, subject)


_TEMPORAL = frozenset(
    {"when", "while", "after", "before", "since", "once", "because", "as", "if", "unless"}
)


def _consequence(tokens: Sequence[Token], verb: int, subject: int) -> Hit | None:
    """Damage the clause after a person's action says it did: "... that locked the orders
    table", "and it hammered the upstream", "which is how they ended up on GitHub"."""
    for at in range(verb + 1, len(tokens)):
        low = tokens[at].low
        if low in _TEMPORAL:
            return None  # "... when the database crashed" says when, not what it did
        if not past_like(tokens[at]):
            continue
        bases = stems(low)
        nxt = tokens[at + 1].low if at + 1 < len(tokens) else ""
        phrase = any(nxt in lex.DAMAGE_PHRASES.get(b, ()) for b in bases)
        if bases.isdisjoint(lex.DAMAGE_VERBS) and not phrase:
            continue
        if _linked(tokens, at, verb) or (phrase and nxt == "with"):
            return Hit(HARM, subject, tokens[at].end, span_words(tokens, verb, at))
    return None


def _linked(tokens: Sequence[Token], at: int, verb: int) -> bool:
    """Whether the clause ending at ``at`` is the action's consequence: led by "which" or
    "that", by "and it"/"until it", or a "that's what"/"which is how" frame."""
    before = at - 1
    while before > verb and glue(tokens[before]):
        before -= 1
    low = tokens[before].low
    if low in ("which", "that"):
        return True
    if low in ("it", "this") and tokens[before - 1].low in ("and", ",", "so", "until", "then"):
        return True
    look = [t.low for t in tokens[max(verb + 1, at - 7) : at]]
    return (
        any(w in ("what", "how") for w in look)
        and any(w in ("that", "thats", "which", "this") for w in look)
        and any(w in ("is", "was", "'s", "thats") for w in look)
    )

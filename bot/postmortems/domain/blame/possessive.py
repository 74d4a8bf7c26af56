"""The ``possessive`` category: a person's slip ("X's oversight", "their mistake", "on X's
part") or a person's change as the subject of a failure ("Elena's script wiped the log")."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.postmortems.domain.blame import lexicon as lex
from bot.postmortems.domain.blame.hits import OMISSION, POSSESSIVE, Hit
from bot.postmortems.domain.blame.people import Mention
from bot.postmortems.domain.blame.subjects import subject_mode
from bot.postmortems.domain.blame.verb_phrase import verb_phrase
from bot.postmortems.domain.blame.words import BOUNDARY, Token, clause_end, span_words, stem_in

_NOT_BLAME_AFTER = lex.word_set(
    "budget budgets rate rates message messages log logs code codes page pages handling count "
    "counts spike spikes path paths tracking tracker report reports class classes"
)


def owned_failures(tokens: Sequence[Token], mentions: Sequence[Mention]) -> Iterable[Hit]:
    """A person's change or decision as the subject of a failure: "Elena's script wiped the
    log", "the manager's decision to skip the canary"."""
    for mention in mentions:
        owner = mention.end
        if owner >= len(tokens) or tokens[owner].low not in ("'s", "'"):
            continue
        if subject_mode(tokens, mention) is None:
            continue
        end = clause_end(tokens, owner + 1)
        for verb in range(owner + 2, min(owner + 4, end)):
            low = tokens[verb - 1].low
            if low in lex.PREPOSITIONS and low != "to":
                break
            hit = verb_phrase(tokens, verb, end, "clause", False, tokens[mention.start].start)
            if hit is not None and hit.category == OMISSION:
                yield Hit(POSSESSIVE, hit.start, hit.end, hit.words)
                return


def possessives(tokens: Sequence[Token], mentions: Sequence[Mention]) -> Iterable[Hit]:
    owners = [m.end for m in mentions if m.end < len(tokens) and tokens[m.end].low in ("'s", "'")]
    owners += [
        at + 1
        for at, t in enumerate(tokens)
        if t.low in lex.POSSESSIVE_PRONOUNS or t.low in ("someone", "somebody")
    ]
    for owner in [m.end for m in mentions if m.end < len(tokens) and tokens[m.end].low == "'s"]:
        after = tokens[owner + 1].low if owner + 1 < len(tokens) else "."
        if after in BOUNDARY and any(stem_in(t.low, lex.BLAME_NOUNS) for t in tokens[:owner]):
            first = max(owner - 1, 0)
            yield Hit(
                POSSESSIVE, tokens[first].start, tokens[owner].end, span_words(tokens, first, owner)
            )
            return  # "the lapse was the operator's."
    for owner in owners:
        at = owner + 1 if tokens[owner - 1].low not in lex.POSSESSIVE_PRONOUNS else owner
        if owner < len(tokens) and tokens[owner].low in ("'s", "'"):
            at = owner + 1
        for look in range(at, min(at + 3, len(tokens))):
            low = tokens[look].low
            after = tokens[look + 1].low if look + 1 < len(tokens) else ""
            blame = stem_in(low, lex.BLAME_NOUNS) or stem_in(low, lex.JUDGEMENT) or low == "part"
            if low.endswith("ed") and low not in lex.BLAME_NOUNS and low not in lex.JUDGEMENT:
                blame = False  # "our autoscaler neglected ...": a verb, not an owned slip
            if low in ("failure", "failures") and after != "to" and owner < len(tokens):
                blame = tokens[owner].low in ("'s", "'")  # "their failures" may be machines'
            if low == "part" and (owner < 2 or tokens[owner - 2].low != "on"):
                blame = False
            if blame and after not in _NOT_BLAME_AFTER:
                first = max(owner - 1, 0)
                yield Hit(
                    POSSESSIVE,
                    tokens[first].start,
                    tokens[look].end,
                    span_words(tokens, first, look),
                )
                return
            if low in BOUNDARY or low in lex.PREPOSITIONS:
                break

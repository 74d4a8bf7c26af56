"""Whether a person phrase is the subject of its clause (and whether a pattern rule's match
has a thing as its subject instead)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.postmortems.domain.blame import lexicon as lex
from bot.postmortems.domain.blame.people import TIME_WORDS, Mention, People, find_mentions
from bot.postmortems.domain.blame.words import (
    BOUNDARY,
    PASSIVE_AUX,
    Token,
    clause_start,
    glue,
    name_like,
    tokenize,
)


def thing_subject(sentence: str, offset: int, people: People) -> bool:
    """Whether the words at ``offset`` (a pattern rule's match) have a thing as their subject in
    the active voice: "our autoscaler neglected ...", "the monitoring didn't bother ...". A
    person, pronoun, passive ("was neglected") or missing subject is not a thing."""
    tokens = tokenize(sentence)
    at = next((k for k, t in enumerate(tokens) if t.start >= offset), len(tokens))
    mentions = find_mentions(tokens, people)
    if any(m.start < at <= m.end for m in mentions):
        return False  # the match starts inside or right after a person
    head = at - 1
    while head >= 0 and glue(tokens[head]):
        if tokens[head].low in PASSIVE_AUX:
            return False  # "renewal was neglected": a hidden agent
        head -= 1
    if head < 0 or not tokens[head].text.replace("-", "").isalpha():
        return False
    low = tokens[head].low
    if low in lex.PRONOUNS or low in lex.DETERMINERS or low in lex.PREPOSITIONS:
        return False
    if low in lex.SUBORDINATORS or low in lex.COORDINATORS or low in ("who", "nobody"):
        return False
    return not any(m.start <= head < m.end for m in mentions)


def subject_mode(tokens: Sequence[Token], mention: Mention) -> str | None:
    """How the phrase is a subject: "clause", "if" (a condition), "had" (inverted condition),
    "cleft" (it was X who), or None when it is not a subject (an object, after a preposition)."""
    if who_follows(tokens, mention.end):
        return "clause"  # "the change was made by Dmitri, who bypassed the merge queue"
    at = mention.start - 1
    while at >= 0 and (tokens[at].low in lex.ADVERBS or _ly(tokens[at].low)):
        at -= 1
    if at < 0:
        return "clause"
    low = tokens[at].low
    if low == "had" and clause_start(tokens, at):
        return "had"
    if low in ("if", "unless"):
        return "if"
    if low in ("n't", "not") and at >= 2 and tokens[at - 2].low == "why":
        return "had"  # "why didn't the on-call escalate?"
    if low in ("did", "was", "were") and at >= 1 and tokens[at - 1].low == "why":
        return "clause"
    if low in ("was", "is") and at > 0 and tokens[at - 1].low == "it":
        return "cleft"
    if low in BOUNDARY or low == "," or low in lex.COORDINATORS or low in lex.SUBORDINATORS:
        return "clause"
    if mention.kind == "pronoun" and tokens[mention.start].low in _NOMINATIVE:
        return "clause"  # "a build they had never installed": "they" is always a subject
    if mention.kind == "named" and all(name_like(t) for t in tokens[: mention.start]):
        return "clause"  # a nickname's adjective: "Big Tom yanked ..."
    return "clause" if _after_time_phrase(tokens, at) else None


_NOMINATIVE = frozenset({"he", "she", "they", "we"})


def who_follows(tokens: Sequence[Token], at: int) -> bool:
    """ "who" (or ", who") right after a person phrase: its relative clause has them as subject."""
    if at < len(tokens) and tokens[at].low == "," and at + 1 < len(tokens):
        at += 1
    return at < len(tokens) and tokens[at].low == "who"


_TIME_PREPOSITIONS = lex.word_set("at on in during around by from within over shortly about")


def _after_time_phrase(tokens: Sequence[Token], at: int) -> bool:
    """Whether ``at`` ends a clause-opening time phrase without a comma ("At 03:12 the DBA")."""
    for first in range(at, max(at - 6, -1), -1):
        token = tokens[first]
        if token.low in _TIME_PREPOSITIONS and clause_start(tokens, first):
            return True
        if not (
            token.low.isdigit()
            or token.low in (":", ".")
            or token.low in lex.DETERMINERS
            or token.low in TIME_WORDS
            or token.text[:1].isupper()
        ):
            return False
    return False


def _ly(low: str) -> bool:
    return low.endswith("ly") and len(low) > 4 and low not in ("only", "family", "supply")

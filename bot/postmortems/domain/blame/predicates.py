"""The ``omission`` and ``counterfactual`` categories: what a person subject's clause says
they did or should have done, and the cues anywhere in it ("without review", "despite")."""

from __future__ import annotations

from collections.abc import Sequence

from bot.postmortems.domain.blame import lexicon as lex
from bot.postmortems.domain.blame.cues import STRONG, cue_kind
from bot.postmortems.domain.blame.hits import COUNTERFACTUAL, OMISSION, Hit
from bot.postmortems.domain.blame.people import Mention
from bot.postmortems.domain.blame.subjects import who_follows
from bot.postmortems.domain.blame.verb_phrase import verb_phrase
from bot.postmortems.domain.blame.words import (
    Token,
    clause_end,
    clause_start,
    continues,
    glue,
    skip_determiners,
    span_words,
    stem_in,
)

# Subjects that carry their own clause: "anyone paying attention would have noticed".
_RELATIVE_SUBJECTS = frozenset({"whoever", "whomever", "anyone", "anybody"})


def predicate(
    tokens: Sequence[Token], mention: Mention, mode: str, conditional: bool = False
) -> list[Hit]:
    start = mention.end
    if start >= len(tokens) or tokens[start].low in ("'s", "'"):
        return []
    relative = mention.kind == "pronoun" and tokens[mention.start].low in _RELATIVE_SUBJECTS
    if tokens[start].low == "," and who_follows(tokens, start):
        start += 1
    if tokens[start].low in ("who", "that"):
        relative, start = True, start + 1
    if start >= len(tokens):  # "nobody who": the sentence ends before any verb
        return []
    end = clause_end(tokens, start)
    negated = tokens[mention.start].low in ("nobody", "no", "none", "no-one")
    hits: list[Hit] = []
    subject = tokens[mention.start].start
    verbs = [start]
    if tokens[start].low in lex.PREPOSITIONS:  # "the SRE on shift misjudged"
        verbs = [at for at in range(start + 1, min(start + 6, end)) if _verb_like(tokens[at])]
    if relative:  # "whoever was on call forgot ...": the main verb follows the clause
        verbs = list(range(start, end))
    for at in range(start, end):
        low = tokens[at].low
        if low in lex.COORDINATORS or (low == "," and continues(tokens, at + 1)):
            verbs.append(at + 1)
        elif low == "by" and at + 1 < end and tokens[at + 1].low.endswith("ing"):
            verbs.append(at + 1)  # the manner: "broke the failover by killing the wrong process"
    for at in verbs:
        hit = verb_phrase(tokens, at, end, mode, negated, subject)
        if hit is not None and _team_lacked(tokens, mention, hit):
            break  # "we should have had an alert on replication lag": what the process lacked
        if hit is not None:
            if conditional and hit.category == COUNTERFACTUAL and _hypothetical(tokens, at, end):
                break  # "if the alert had been on error rate, we would have known"
            hits.append(hit)
            break
    hits += _predicate_cues(tokens, start, end, relative, subject)
    return hits


def _team_lacked(tokens: Sequence[Token], mention: Mention, hit: Hit) -> bool:
    """ "We should have had/been ...", "we ought to have a staging env": a counterfactual about
    what the team had, not what someone did."""
    if hit.category != COUNTERFACTUAL or tokens[mention.start].low not in ("we", "us"):
        return False
    last = next((k for k, t in enumerate(tokens) if t.end == hit.end), 0)
    if last > 0 and tokens[last - 1].low == "have" and tokens[last].low in _OWNED:
        return True  # "have" owning a thing, not the perfect of a verb
    return any(t.low in ("had", "been") for t in tokens[max(last - 1, 0) : last + 1])


_OWNED = frozenset({"a", "an", "some", "any", "proper", "better"})


def system_condition(tokens: Sequence[Token], mentions: Sequence[Mention]) -> bool:
    """Whether the sentence has a condition about a thing, not a person: "if the alert had
    been on error rate", "had the check run"."""
    starts = {m.start for m in mentions}
    found = False
    for at, token in enumerate(tokens):
        if token.low in ("if", "unless") or (token.low == "had" and clause_start(tokens, at)):
            subject = at + 1
            while subject < len(tokens) and tokens[subject].low in ("only", "just"):
                subject += 1
            if any(k in starts for k in range(subject, min(subject + 3, len(tokens)))):
                return False
            found = found or token.low != "had" or subject < len(tokens)
    return found


def _hypothetical(tokens: Sequence[Token], start: int, end: int) -> bool:
    """The clause's modal says what would have followed ("would/could/might have"), not what
    someone ought to have done."""
    modal = next((t.low for t in tokens[start:end] if t.low in lex.CF_MODALS or t.low == "'d"), "")
    return modal in ("would", "could", "might", "'d")


def _verb_like(token: Token) -> bool:
    """Could this word start a verb phrase (after a subject's prepositional phrase)?"""
    low = token.low
    return (
        glue(token)
        or bool(cue_kind(low) & STRONG)
        or low.endswith("ed")
        or low in lex.IRREGULAR
        or low in lex.LIGHT_VERBS
    )


def _predicate_cues(
    tokens: Sequence[Token], start: int, end: int, relative: bool, subject: int
) -> list[Hit]:
    """Cues anywhere in a person's clause: "without review", "despite", "against advice", and
    for "whoever/anyone who ..." clauses the main verb's modal or negation."""
    hits: list[Hit] = []
    for at in range(start, end):
        low = tokens[at].low
        nxt = skip_determiners(tokens, at + 1, end)
        if low in ("can", "may", "cannot"):  # what people are able to do: the system's shape
            break
        if low == "by" and at + 1 < end and tokens[at + 1].low in ("mistake", "accident"):
            hits.append(Hit(OMISSION, subject, tokens[at + 1].end, span_words(tokens, at, at + 1)))
            break  # "scaled the cluster to zero by mistake": a slip, like "mistakenly"
        if low == "too" and at + 1 < end and tokens[at + 1].low in lex.TOO_WORDS:
            hits.append(Hit(OMISSION, subject, tokens[at + 1].end, span_words(tokens, at, at + 1)))
            break
        if low == "with" and at + 1 < end and tokens[at + 1].low in ("no", "zero"):
            low, nxt = "without", at + 2 if at + 2 < end else None  # "with no change ticket"
        if (
            (low == "without" and nxt is not None and _unchecked(tokens, nxt, end))
            or low in lex.DEFIANCE
            or (low == "against" and nxt is not None and tokens[nxt].low in lex.AGAINST_OBJECTS)
        ):
            last = nxt if nxt is not None and low != "despite" else at
            hits.append(Hit(OMISSION, subject, tokens[last].end, span_words(tokens, at, last)))
            break
        if relative and low in lex.CF_MODALS and _have_follows(tokens, at + 1, end):
            hits.append(Hit(COUNTERFACTUAL, subject, tokens[at + 1].end, low + " have"))
            break
        if relative and low in lex.NEGATIONS and at + 1 < end:
            verb = at + 1
            while verb < end - 1 and glue(tokens[verb]):
                verb += 1
            if stem_in(tokens[verb].low, lex.DILIGENCE_VERBS):
                hits.append(Hit(OMISSION, subject, tokens[verb].end, span_words(tokens, at, verb)))
                break
    return hits


def _have_follows(tokens: Sequence[Token], at: int, end: int) -> bool:
    """ "have" (or "not have") at ``at``: a modal's perfect, "would (not) have"."""
    if at < end and tokens[at].low in ("not", "n't"):
        at += 1
    return at < end and tokens[at].low in ("have", "'ve")


def _unchecked(tokens: Sequence[Token], at: int, end: int) -> bool:
    """After "without": a skipped safeguard ("review", "load testing", "telling anyone")."""
    return any(
        t.low in lex.WITHOUT_OBJECTS
        or t.low in lex.SAFEGUARDS
        or (t.low.endswith("ing") and len(t.low) > 5)
        for t in tokens[at : min(at + 2, end)]
    )

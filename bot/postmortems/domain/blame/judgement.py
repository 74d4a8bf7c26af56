"""The ``judgement`` category: words about a person's care or competence ("careless", "cut
corners", "rookie mistake"), anywhere in the sentence."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.postmortems.domain.blame import lexicon as lex
from bot.postmortems.domain.blame.hits import COUNTERFACTUAL, JUDGEMENT, Hit
from bot.postmortems.domain.blame.words import Token, skip_determiners, span_words, stems

_HINDSIGHT = lex.word_set(
    "mistake mistakes bug bugs error errors warning warnings problem issue sign signs typo flaw "
    "risk broken wrong bad dangerous"
)


def judgements(tokens: Sequence[Token], people: set[int]) -> Iterable[Hit]:
    for at, token in enumerate(tokens):
        bases = _judgement_stems(token.low)
        if _by_a_thing(tokens, at, people):
            continue  # "the canary was botched by a race in the deploy tool"
        if not bases.isdisjoint(lex.JUDGEMENT):
            if at + 1 < len(tokens) and tokens[at + 1].low in lex.ARTEFACTS:
                continue  # "a sloppy regex" describes the artefact, not its author
            yield Hit(JUDGEMENT, token.start, token.end, token.text)
            return
        for base in bases:
            follow = lex.JUDGEMENT_PHRASES.get(base)
            if follow is None:
                continue
            nxt = skip_determiners(tokens, at + 1, len(tokens))
            if nxt is not None and tokens[nxt].low == "of":
                nxt = skip_determiners(tokens, nxt + 1, len(tokens))
            if nxt is not None and (tokens[nxt].low in follow or "" in follow):
                yield Hit(JUDGEMENT, token.start, tokens[nxt].end, span_words(tokens, at, nxt))
                return
        if ("obvious" in bases or token.low == "obviously") and any(
            t.low in _HINDSIGHT for t in tokens[at + 1 : at + 3]
        ):
            yield Hit(JUDGEMENT, token.start, tokens[min(at + 2, len(tokens) - 1)].end, "")
            return
        for firsts, rest, category in _FIXED_PHRASES:
            last = at + len(rest)
            if token.low in firsts and tuple(t.low for t in tokens[at + 1 : last + 1]) == rest:
                yield Hit(category, token.start, tokens[last].end, span_words(tokens, at, last))
                return


def _judgement_stems(low: str) -> frozenset[str]:
    """``stems``, and for a compound the stems of its first part when that is a judgement:
    "yolo-merged", "cowboy-deployed", "half-arsed"; not a compound ending in "-ing", a
    technical term ("the lazy-loading path")."""
    bases = stems(low)
    head = low.partition("-")[0]
    if head != low and head in lex.JUDGEMENT and not low.endswith("ing"):
        return bases | {head}
    return bases


def _by_a_thing(tokens: Sequence[Token], at: int, people: set[int]) -> bool:
    """A passive participle whose agent ("by ...") is not a person phrase."""
    if at + 1 >= len(tokens) or tokens[at + 1].low != "by" or not tokens[at].low.endswith("ed"):
        return False
    agent = skip_determiners(tokens, at + 2, len(tokens))
    return agent is not None and not any(k in people for k in range(at + 2, agent + 1))


# Idioms: their first word's forms, the words that follow, and what they say.
_FIXED_PHRASES = (
    (frozenset({"know", "knew", "known", "knows"}), ("better",), COUNTERFACTUAL),
    (frozenset({"cut", "cutting", "cuts"}), ("corners",), JUDGEMENT),
    (frozenset({"drop", "dropped", "dropping", "drops"}), ("the", "ball"), JUDGEMENT),
    (frozenset({"nowhere"}), ("to", "be", "found"), JUDGEMENT),
    (frozenset({"with"}), ("no", "idea"), JUDGEMENT),  # "written by someone with no idea"
    (frozenset({"with"}), ("no", "clue"), JUDGEMENT),
    *(
        (frozenset({"know", "knew"}), ("what", who, was, "doing"), JUDGEMENT)
        for who, was in (("they", "were"), ("he", "was"), ("she", "was"))
    ),
    *(
        (frozenset({"out"}), ("of", owner, "depth"), JUDGEMENT)
        for owner in ("his", "her", "their", "my", "our", "your")
    ),
)

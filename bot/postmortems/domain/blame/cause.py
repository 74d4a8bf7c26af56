"""The ``cause`` category: the outcome attributed to a person ("caused by X", "the root cause
was X", "traced the outage back to X")."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.postmortems.domain.blame import lexicon as lex
from bot.postmortems.domain.blame.cues import GAPPED_FRAMES
from bot.postmortems.domain.blame.hits import CAUSE, Hit
from bot.postmortems.domain.blame.people import Mention
from bot.postmortems.domain.blame.words import BOUNDARY, Token, span_words, stem_in, stems

OUTCOMES = lex.word_set(
    "outage incident failure downtime breach loss mess problem issue error mistake breakage "
    "disruption degradation damage"
)


def causes(tokens: Sequence[Token], mentions: Sequence[Mention]) -> Iterable[Hit]:
    starts = {m.start: m for m in mentions}
    lows = [t.low for t in tokens]
    for at in range(len(tokens)):
        for frame in _FRAMES.get(lows[at], ()):
            end = at + len(frame)
            if tuple(lows[at:end]) == frame:
                found = _person_at(starts, end, tokens)
                if found is not None:
                    yield Hit(CAUSE, tokens[at].start, tokens[found.end - 1].end, " ".join(frame))
                    return
        if not stems(lows[at]).isdisjoint(GAPPED_FRAMES):
            for look in range(at + 2, min(at + 8, len(tokens) - 1)):
                if lows[look] in ("to", "on") and lows[look - 1] not in BOUNDARY:
                    found = _person_at(starts, look + 1, tokens)
                    if found is not None:  # "trace the entire incident back to one person"
                        last = tokens[found.end - 1].end
                        yield Hit(CAUSE, tokens[at].start, last, span_words(tokens, at, look))
                        return
                    break
        if lows[at] in lex.CAUSE_NOUNS and (at == 0 or lows[at - 1] in ("the", "root", "a")):
            for copula in range(at + 1, min(at + 6, len(tokens))):
                if lows[copula] in lex.COPULAS or lows[copula] == ":":  # "the root cause: Maja"
                    found = _person_at(starts, copula + 1, tokens)
                    if found is not None:
                        last = tokens[found.end - 1].end
                        yield Hit(CAUSE, tokens[at].start, last, span_words(tokens, at, copula))
                        return
                    break
        if (
            lows[at] == "by"
            and at > 0
            and (stem_in(lows[at - 1], lex.FAILURE_VERBS) or lows[at - 1] in lex.UNDONE)
        ):
            found = _person_at(starts, at + 1, tokens)
            if found is not None:
                yield Hit(CAUSE, tokens[at - 1].start, tokens[found.end - 1].end, "by")
                return
        if (
            lows[at] in ("responsible", "accountable")
            and at > 0
            and lows[at - 1] in lex.COPULAS
            and any(t in OUTCOMES for t in lows[at + 1 : at + 5])
        ):
            yield Hit(CAUSE, tokens[at].start, tokens[at].end, lows[at])
            return


_FRAMES: dict[str, list[tuple[str, ...]]] = {}
for _frame in lex.CAUSAL_FRAMES:
    _FRAMES.setdefault(_frame[0], []).append(_frame)


def _person_at(starts: dict[int, Mention], at: int, tokens: Sequence[Token]) -> Mention | None:
    """A person phrase starting within a few words of ``at`` (its noun phrase), before any
    punctuation, preposition or new clause: "due to the DBA", "from a change the DBA made"."""
    for look in range(at, min(at + 4, len(tokens))):
        if look in starts:
            return starts[look]
        low = tokens[look].low
        if low in BOUNDARY or low == "," or low in lex.PREPOSITIONS or low in lex.SUBORDINATORS:
            return None
    return None

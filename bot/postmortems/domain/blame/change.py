"""The ``change`` category: a person making a change to a live system, unless the sentence
frames it as a response (a fix, a procedure, a timeline entry)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from bot.postmortems.domain.blame import lexicon as lex
from bot.postmortems.domain.blame.cues import PROCEDURE
from bot.postmortems.domain.blame.hits import CHANGE, Hit
from bot.postmortems.domain.blame.intent import as_intended, purpose_verb
from bot.postmortems.domain.blame.people import Mention
from bot.postmortems.domain.blame.subjects import subject_mode
from bot.postmortems.domain.blame.words import (
    FUNCTION_WORDS,
    LIGHT_LINKS,
    Token,
    clause_end,
    main_verb,
    past_like,
    stem_in,
    stems,
)


def changes(tokens: Sequence[Token], mentions: Sequence[Mention]) -> Iterable[Hit]:
    """A person subject (not "we", "I" or "you": the team narrating itself) making a change to a
    live system, in a sentence that does not frame it as a response (``_responded``)."""
    for mention, verb, responded in _person_changes(tokens, mentions):
        if verb is None:
            continue  # a remedy's verb
        if responded:
            return
        yield Hit(CHANGE, tokens[mention.start].start, tokens[verb].end, tokens[verb].text)
        return


def responded_change(tokens: Sequence[Token], mentions: Sequence[Mention]) -> bool:
    """Whether a person subject's verb is a remedy's ("the payments team disabled the new
    checkout flow") or their first change is framed as a response ("enabled debug logging while
    we investigated"): the trained model leaves such sentences to the grammar, which has read
    them as not blame unless its harm reading found misuse, when they tell of no harm."""
    return any(
        verb is None or responded for _, verb, responded in _person_changes(tokens, mentions)
    )


def _person_changes(
    tokens: Sequence[Token], mentions: Sequence[Mention]
) -> Iterator[tuple[Mention, int | None, bool]]:
    """A person subject's remedy verbs (as ``None``) up to the first change verb, and whether
    that change is framed as a response."""
    for mention in mentions:
        if tokens[mention.start].low in _NARRATORS:
            continue
        for verb in _subject_verbs(tokens, mention):
            light = tokens[verb - 1].low in lex.LIGHT_VERBS and past_like(tokens[verb - 1])
            if not past_like(tokens[verb]) and not light:
                continue
            low = tokens[verb].low
            bases = stems(low) | stems(low.rpartition("-")[2])
            particle = tokens[verb + 1].low if verb + 1 < len(tokens) else ""
            phrasal = (low == "went" and particle == "ahead") or (
                "roll" in bases and particle == "out"
            )
            if bases.isdisjoint(lex.CHANGE_VERBS) and not phrasal:
                continue  # "rolled out the feature" is a change, "rolled back" a response
            if not bases.isdisjoint(lex.REMEDIAL_VERBS) and not phrasal:
                yield mention, None, True  # "disabled the new checkout flow" (harm reads misuse)
                continue
            responded = _responded(tokens, verb, mention.kind == "unknown")
            yield mention, verb, responded or _system_explains(tokens, verb, mentions)
            return


# Subjects that narrate the team's own response rather than point at someone.
_NARRATORS = frozenset(
    {"we", "i", "you", "everyone", "everybody", "nobody", "no", "none", "no-one", "anyone"}
)


def _subject_verbs(tokens: Sequence[Token], mention: Mention) -> list[int]:
    """The verbs a person phrase is the subject of: its clause's verb (past a prepositional
    phrase, "who" or an aside), then verbs joined by "and"; after a preposition, only the verb
    of a "who" clause ("the change was made by Dmitri, who bypassed ...")."""
    start = mention.end
    who = start < len(tokens) and tokens[start].low == "who"
    if start + 1 < len(tokens) and tokens[start].low == "," and tokens[start + 1].low == "who":
        who, start = True, start + 1
    mode = subject_mode(tokens, mention)
    if mode not in ("clause", "cleft") and not who:
        return []
    if who:
        start += 1
    elif start < len(tokens) and tokens[start].low in lex.PREPOSITIONS:
        start = next(  # "the junior on nights kicked off ...", "somebody on the rota rebooted"
            (k for k in range(start + 1, min(start + 6, len(tokens))) if past_like(tokens[k])),
            len(tokens),
        )
    first = main_verb(tokens, start)
    if first is None:  # "they had been warned twice and still went ahead"
        return _and_verbs(tokens, start, clause_end(tokens, start))
    if tokens[first].low in lex.LIGHT_VERBS and first + 1 < len(tokens):
        if not past_like(tokens[first]) or tokens[first].low in ("tried", "attempted"):
            return []  # trying something is a response
        if tokens[first + 1].low not in LIGHT_LINKS:
            first += 1  # "kept hammering the primary" (but "went ahead with the deploy")
        elif tokens[first].low == "went" and tokens[first + 1].low == "ahead":
            return [first]
    return [first, *_and_verbs(tokens, first + 1, clause_end(tokens, first + 1))]


def _and_verbs(tokens: Sequence[Token], start: int, end: int) -> list[int]:
    """Past verbs joined by "and" ("approved and merged his own change", "and still went")."""
    verbs = []
    for at in range(start, end):
        if tokens[at].low == "and":
            verb = at + 1
            while verb < end and tokens[verb].low in lex.ADVERBS:
                verb += 1
            if verb < end and past_like(tokens[verb]):
                verbs.append(verb)
    return verbs


def _responded(tokens: Sequence[Token], verb: int, unknown: bool) -> bool:
    """Whether the sentence frames a person's change as a response: a purpose, a fix or a
    recovery, a checked or documented procedure, the change named as intended, or a clock time
    (a timeline entry) with no risk marker beside it."""
    lows = [t.low for t in tokens]
    after = lows[verb + 1 :]
    window = after[:6]
    obj = window[: next((k for k, w in enumerate(window) if w in lex.PREPOSITIONS), len(window))]
    if any(w == "to" and purpose_verb(after, k + 1) for k, w in enumerate(after)):
        return True  # "... to clear the lock"
    if "so" in after or as_intended(tokens, verb + 1) or not PROCEDURE.isdisjoint(after):
        return True
    if any(w == "order" and after[k + 1 : k + 2] == ["to"] for k, w in enumerate(after)):
        return True  # "in order to"
    if any(after[k : k + 3] == ["as", "part", "of"] for k in range(len(after))):
        return True  # "as part of the weekly release"
    if any(
        w in ("while", "as", "during") and after[k + 1 : k + 2] == ["we"]
        for k, w in enumerate(after)
    ):
        return True  # "... while we investigated": the team's response
    strong = not lex.STRONG_RISK_MARKERS.isdisjoint(after)
    if not strong and any(
        (w in lex.RESPONSE_OBJECTS and (w not in _RESPONSE_STATES or obj[k - 1] in ("the", "a")))
        or (w in lex.REPAIR_OBJECTS and k + 1 < len(obj))  # "the stale lock", not "load test"
        for k, w in enumerate(obj)
    ):
        return True
    if any(w in lex.RECOVERED or (_inflected(w) and stem_in(w, lex.RECOVERY_WORDS)) for w in after):
        return True
    if not strong and not lex.FIX_WORDS.isdisjoint(after):
        return True  # "deployed 4.2.1 with the timeout fix"
    if not strong and any(_repaired(after, k) for k in range(len(after) - 1)):
        return True  # "ran VACUUM on the bloated table", "a pull request adding the missing index"
    if any(w == "one" and after[k + 1 : k + 2] in (["at"], ["by"]) for k, w in enumerate(after)):
        return True  # "bounced the pods one at a time"
    if any(w == "once" and (k == 0 or after[k - 1] != "at") for k, w in enumerate(after)):
        return True  # "promoted the replica once the lag hit zero" (not "all at once")
    if any(
        (w == "back" and k > 0 and after[k - 1] in _BACK_AGAIN)  # "and metrics came back"
        or (w == "after" and not lex.SIGN_OFFS.isdisjoint(after[k + 1 : k + 3]))
        or (w in ("to", "onto", "over") and not lex.FALLBACKS.isdisjoint(after[k + 1 : k + 4]))
        for k, w in enumerate(after)
    ):
        return True  # "after the review", "switched the DNS to the standby load balancer"
    risky = strong or any(
        (w == "once" and k > 0 and after[k - 1] == "at")
        or w in lex.RISK_MARKERS
        or w in lex.UNREADY
        or w in lex.RISKY
        or (w.startswith("un") and w.endswith("ed") and len(w) > 6)
        for k, w in enumerate(after)
    )
    if unknown and not risky:
        return True  # a capitalised word may be a product: "Argo restarted the pods"
    timed = any(
        w == ":" and 0 < k < len(lows) - 1 and lows[k - 1].isdigit() and lows[k + 1].isdigit()
        for k, w in enumerate(lows)
    )
    timed = timed or not lex.TIMELINE_WORDS.isdisjoint(lows)  # "the next morning"
    return timed and not risky  # "At 15:02 Aiko closed the bridge call."


def _system_explains(tokens: Sequence[Token], verb: int, mentions: Sequence[Mention]) -> bool:
    """Whether a later clause about a thing says what the system or process lacked or failed to
    catch ("...; the review didn't surface it", "..., which had no per-region option", "because
    the provider doesn't support it"): the sentence explains the change by the system, the way a
    blameless write-up does. A consequence ("and the POS could not reach head office") is not
    such a clause, nor one whose subject is a person."""
    people = {at for m in mentions for at in range(m.start, m.end)}
    lows = [t.low for t in tokens]
    for at in range(verb + 1, len(tokens) - 1):
        low, start = lows[at], at + 1
        relative = low in ("which", "where") and lows[at - 1] == ","
        if not relative and (low not in _EXPLAINERS or lows[start] not in _THING_OPENERS):
            continue
        end = next((k for k in range(start + 1, len(lows)) if lows[k] in _CLAUSE_EDGES), len(lows))
        if people.isdisjoint(range(start, min(start + 3, end))) and _lacking(lows[start:end]):
            return True
    return False


def _lacking(clause: Sequence[str]) -> bool:
    """ "no", "nothing", "without", "by default", or a negated safeguard verb ("did not detect",
    "wasn't covered", "doesn't support")."""
    for k, low in enumerate(clause):
        if low in ("no", "nothing", "without") or (low == "default" and clause[k - 1] == "by"):
            return True
        if low in lex.NEGATIONS and any(
            stem_in(w, _SAFEGUARD_VERBS) for w in clause[k + 1 : k + 4]
        ):
            return True
    return False


# What introduces a clause that explains the change, and how such a clause starts: a thing.
_EXPLAINERS = frozenset({";", "because", "bc", "since", "and", "but"})
_THING_OPENERS = frozenset({"the", "our", "its", "nothing", "no"})
_CLAUSE_EDGES = frozenset({";", ",", "and", "but", "because", "which", "where", "so"})
_SAFEGUARD_VERBS = frozenset(
    lex.PERCEPTION_VERBS
    | lex.DILIGENCE_VERBS
    | lex.word_set("show surface support cover warn prevent block stop")
)


_BACK_AGAIN = frozenset(
    {
        "came",
        "come",
        "comes",
        "was",
        "were",
        "is",
        "are",
        "got",
        "went",
        "dropped",
        "fell",
        "returned",
    }
)
_RESPONSE_STATES = frozenset({"healthy", "right", "correct", "missing"})  # "the right node"


def _repaired(after: Sequence[str], k: int) -> bool:
    """A problem state modifying the noun after it ("the bloated table"), or a response state
    after an article ("the missing index")."""
    word, noun = after[k], after[k + 1]
    if not noun.isalpha() or noun in FUNCTION_WORDS:
        return False
    if word in _RESPONSE_STATES:
        return k > 0 and after[k - 1] in ("the", "a")
    return word in lex.PROBLEM_STATES


def _inflected(low: str) -> bool:
    return low.endswith(("ed", "ing", "s")) and len(low) > 4

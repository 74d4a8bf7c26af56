"""Who a sentence mentions: configured people, first names, roles, teams and pronouns, and
people only the grammar shows (the antecedent of "who", a first word "his"/"her" points at)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.postmortems.domain.blame import lexicon as lex
from bot.postmortems.domain.blame.cues import STRONG, cue_kind
from bot.postmortems.domain.blame.words import (
    BOUNDARY,
    FUNCTION_WORDS,
    TOKEN,
    Token,
    glue,
    name_like,
    past_like,
    stem_in,
)


@dataclass(frozen=True)
class Mention:
    start: int  # token index of the phrase's first word
    end: int  # token index after the phrase
    kind: str  # named, role, team, pronoun


class People:
    """Who counts as a named person: configured names, their parts, ids and display names."""

    def __init__(self, people: Iterable[str]) -> None:
        self.single: set[str] = set()
        self.lower: set[str] = set()  # every configured word in lower case, for chat style
        self.multi: dict[str, list[tuple[str, ...]]] = {}  # first word -> full names
        for entry in people:
            name = entry.strip().lstrip("@")
            words = tuple(t.group() for t in TOKEN.finditer(name))
            if len(words) > 1:
                self.multi.setdefault(words[0], []).append(words)
                self.single.update(w for w in words if w[:1].isupper() and len(w) > 1)
            elif words:
                self.single.add(words[0])
            self.lower.update(w.lower() for w in words if w.isalpha() or "-" in w)
        for names in self.multi.values():
            names.sort(key=len, reverse=True)

    def match(self, tokens: Sequence[Token], at: int) -> int:
        """How many tokens from ``at`` name a person (0 if none)."""
        for words in self.multi.get(tokens[at].text, ()):
            end = at + len(words)
            if end <= len(tokens) and all(tokens[at + k].text == w for k, w in enumerate(words)):
                return len(words)
        text = tokens[at].text
        if text.startswith("@") or text.startswith("<@") or text in self.single:
            return 1
        if text[:1].isupper() and tokens[at].low in lex.FIRST_NAMES:
            return 1
        if at == 0 and text.islower() and (text in self.lower or text in lex.FIRST_NAMES):
            return 1  # chat style: "arjun merged it anyway", "jae-won nuked the pool"
        return 0


def find_mentions(tokens: Sequence[Token], people: People) -> list[Mention]:
    mentions: list[Mention] = []
    at = 0
    while at < len(tokens):
        found = _mention_at(tokens, at, people)
        if found is None:
            at += 1
            continue
        mentions.append(found)
        at = found.end
    return _inferred(tokens, mentions)


def _inferred(tokens: Sequence[Token], mentions: list[Mention]) -> list[Mention]:
    """People only the grammar shows: the antecedent of "who", a first word that a later
    "his"/"her" refers to, and (kind "unknown", read by the harm rule only) a capitalised first
    word that is no known product or word, followed by a past-tense verb."""
    taken = {k for m in mentions for k in range(m.start, m.end)}
    found: list[Mention] = []
    for at, token in enumerate(tokens):
        if token.low != "who":
            continue
        ante = at - 2 if at >= 2 and tokens[at - 1].low == "," else at - 1
        if ante < 0 or ante in taken or not tokens[ante].text.isalpha():
            continue
        before = tokens[ante - 1].low if ante > 0 else ""
        cleft = before in lex.COPULAS and ante >= 2 and tokens[ante - 2].low == "it"
        if _unknown_word(tokens[ante].low) and (tokens[ante].text[:1].isupper() or cleft):
            first = ante - 1 if ante > 0 and name_like(tokens[ante - 1]) else ante
            found.append(Mention(first, ante + 1, "named"))
            taken.update(range(first, ante + 1))
    if 0 not in taken and tokens and name_like(tokens[0]) and _unknown_word(tokens[0].low):
        end = 2 if len(tokens) > 2 and name_like(tokens[1]) else 1
        if end < len(tokens) and past_like(tokens[end]):
            gendered = any(t.low in _GENDERED for t in tokens[end:])
            found.append(Mention(0, end, "named" if gendered else "unknown"))
    return sorted(mentions + found, key=lambda m: m.start)


_GENDERED = frozenset({"he", "she", "his", "her", "him", "himself", "herself", "hers"})
_NOUN_ENDINGS = (
    "ing", "tion", "sion", "ment", "ness", "ity", "ance", "ence", "er", "or", "age", "ure",
    "ics", "ism", "s", "al", "ogy", "cy", "ry", "ic", "ive", "ate", "ue", "ly",
)  # fmt: skip


def _unknown_word(low: str) -> bool:
    """Not a word the grammar knows as something other than a person, nor a product."""
    return not (
        low in lex.PRODUCTS
        or low in lex.DETERMINERS
        or low in lex.PRONOUNS
        or low in lex.PREPOSITIONS
        or low in lex.SUBORDINATORS
        or low in lex.COORDINATORS
        or low in lex.AUXILIARIES
        or low in lex.ADVERBS
        or low in lex.DEPARTMENTS
        or low in TIME_WORDS
        or _is_head(low)
        or (low.endswith(_NOUN_ENDINGS) and not low.endswith(("us", "as", "os")))  # Rasmus
        or low in ("it", "there", "here", "what", "who", "why", "how", "yesterday", "today")
    )


def _mention_at(tokens: Sequence[Token], at: int, people: People) -> Mention | None:
    low = tokens[at].low
    named = people.match(tokens, at)
    if named:
        end = at + named
        if end < len(tokens) and name_like(tokens[end]) and _unknown_word(tokens[end].low):
            end += 1  # a surname nobody configured: "Chen Wei"
        return Mention(at, end, "named")
    if low in lex.PRONOUNS and (low != "i" or tokens[at].text == "I"):
        return Mention(at, at + 1, "pronoun")
    if low in ("no", "none") and at + 1 < len(tokens) and tokens[at + 1].low in ("one", "of"):
        end = at + 2
        if tokens[at + 1].low == "of" and end < len(tokens) and tokens[end].low in _GROUPS:
            end += 1  # "none of us"
        return Mention(at, end, "pronoun")
    if low in ("shift", "shifts") and at > 0 and tokens[at - 1].low in _SHIFTS:
        return Mention(_phrase_start(tokens, at), at + 1, "team")  # "the night shift"
    if _is_head(low) or _is_department(tokens, at):
        end = at + 1
        while end < len(tokens) and (_is_head(tokens[end].low) or _is_department(tokens, end)):
            end += 1
        kind = "team" if any(stem_in(t.low, lex.TEAM_HEADS) for t in tokens[at:end]) else "role"
        if _is_department(tokens, end - 1) and end - 1 == at:
            kind = "team"
        if _modifies_a_noun(tokens, end):
            return None  # "the on-call handbook described ...": a thing, not a person
        start = _phrase_start(tokens, at)
        if start >= 2 and tokens[start - 1].low == "of" and tokens[start - 2].low in _PARTS_OF:
            start -= 2  # "one of the overnight people"
        return Mention(start, end, kind)
    return None


def _modifies_a_noun(tokens: Sequence[Token], after: int) -> bool:
    """Whether a role or team word is a modifier of the plain noun after it, which is the
    subject of the verb that follows: "the on-call handbook described", "the support docs
    should have". Not when the next word is a verb, adverb or function word."""
    if after + 1 >= len(tokens):
        return False
    noun, verb = tokens[after], tokens[after + 1]
    if not (noun.text.isalpha() and noun.text.islower()) or glue(noun) or past_like(noun):
        return False
    if noun.low in FUNCTION_WORDS or cue_kind(noun.low) & STRONG:
        return False
    return past_like(verb) or verb.low in lex.AUXILIARIES


def _is_head(low: str) -> bool:
    return stem_in(low, lex.ROLE_NOUNS) or stem_in(low, lex.TEAM_HEADS)


_PARTS_OF = frozenset(
    {"one", "some", "two", "three", "several", "none", "any", "each", "either", "neither", "all"}
)
_SHIFTS = frozenset({"night", "day", "morning", "evening", "late", "early", "weekend", "overnight"})


def _is_department(tokens: Sequence[Token], at: int) -> bool:
    token = tokens[at]
    # "IT" is a department, "it" (the script, the check) is not a person.
    return token.low in lex.DEPARTMENTS and (token.low != "it" or token.text == "IT")


def _phrase_start(tokens: Sequence[Token], head: int) -> int:
    """Where a role or team phrase begins: back to its determiner ("the new contractor")."""
    unknown = 0
    for at in range(head - 1, max(head - 5, -1), -1):
        token = tokens[at]
        if token.low in lex.DETERMINERS or token.low in lex.POSSESSIVE_PRONOUNS:
            return at
        if _stops_phrase(token) or token.low.endswith("ed"):
            return at + 1 if unknown == 0 and _modifier_like(tokens, at + 1, head) else head
        if token.low == "'s" or token.text[:1].isupper() or _is_head(token.low):
            continue
        unknown += 1
        if unknown > 2:
            return head
    return (
        max(head - 4, 0)
        if head <= 4
        and all(t.text[:1].isupper() or t.low in lex.DEPARTMENTS for t in tokens[:head])
        else head
    )


def _modifier_like(tokens: Sequence[Token], start: int, head: int) -> bool:
    return all(t.text[:1].isupper() or _is_head(t.low) for t in tokens[start:head])


def _stops_phrase(token: Token) -> bool:
    low = token.low
    return (
        low in BOUNDARY
        or low == ","
        or low in lex.PREPOSITIONS
        or low in lex.SUBORDINATORS
        or low in lex.COORDINATORS
        or low in lex.AUXILIARIES
    )


_GROUPS = frozenset({"us", "them", "you"})
TIME_WORDS = lex.word_set(
    "am pm utc gmt cet cest est edt pst pdt morning afternoon evening night weekend midnight noon "
    "day week month today yesterday tonight hour hours minute minutes shift incident outage"
)

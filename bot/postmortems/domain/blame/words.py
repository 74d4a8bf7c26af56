"""A sentence as words: tokens (quotes and code blanked), stems, and the structure the
categories read (clause starts and ends, the glue between a subject and its verb)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.postmortems.domain.blame import lexicon as lex

TOKEN = re.compile(
    r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>|@\w[\w.-]*\w|@\w"
    r"|\w+(?:[-.]\w+)*(?=n['\u2019]t\b)|n['\u2019]t\b"
    r"|['\u2019](?:s|ve|d|ll|re|m)\b|\w+(?:[-.]\w+)*|[^\w\s]"
)
# Single quotes only where no letter touches the outside of either mark, so "Kofi's" and
# "the admins' console" stay words: "the alert read 'operator error suspected'".
_QUOTED = re.compile(
    r"\"[^\"]*\"|“[^”]*”|`[^`]*`|\u2018[^\u2019]*\u2019"
    r"|(?<![\w'])'(?=\S)[^']*?(?<=\S)'(?![\w'])"
)
BOUNDARY = frozenset(';:—\u2013-()[]|!?."“”…')
PASSIVE_AUX = frozenset({"was", "were", "been", "be", "being", "is", "are", "got", "get"})
_SUFFIXES = (
    ("ily", "y"),
    ("ibly", "ible"),
    ("ably", "able"),
    ("fully", ""),
    ("ly", ""),
    ("ness", ""),
    ("ence", "ent"),
    ("ance", "ant"),
    ("ity", ""),
    ("ful", ""),
    ("ings", ""),
    ("ing", ""),
    ("ied", "y"),
    ("ies", "y"),
    ("ed", ""),
    ("es", ""),
    ("s", ""),
)


@lru_cache(maxsize=65536)
def stems(word: str) -> frozenset[str]:
    """The word (lower case) and the bases it may be an inflection of: ``skipped`` -> skip."""
    found = {word}
    if "-" in word:  # "bone-headed" is "boneheaded", "fat-fingered" either way
        found.update(stems(word.replace("-", "")))
    if word in lex.IRREGULAR:
        found.add(lex.IRREGULAR[word])
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)] + replacement
            found.update((base, base + "e"))
            if len(base) > 3 and base[-1] == base[-2]:
                found.add(base[:-1])
    return frozenset(found)


def stem_in(word: str, words: frozenset[str]) -> bool:
    return not stems(word).isdisjoint(words)


@dataclass(frozen=True)
class Token:
    text: str
    low: str
    start: int
    end: int


def blank_quotes(sentence: str) -> str:
    if (
        '"' in sentence
        or "“" in sentence
        or "`" in sentence
        or "'" in sentence
        or "\u2018" in sentence
    ):
        return _QUOTED.sub(lambda m: " " * len(m.group()), sentence)
    return sentence


def tokenize(sentence: str) -> list[Token]:
    blanked = blank_quotes(sentence)
    return [
        Token(m.group(), m.group().lower().replace("\u2019", "'"), m.start(), m.end())
        for m in TOKEN.finditer(blanked)
    ]


def name_like(token: Token) -> bool:
    text = token.text
    return text.isalpha() and text[:1].isupper() and text[1:].islower() and len(text) > 1


def past_like(token: Token) -> bool:
    low = token.low
    return (low.endswith("ed") and len(low) > 4) or (
        low in lex.IRREGULAR and lex.IRREGULAR[low] != low
    )


FUNCTION_WORDS = frozenset().union(
    lex.PREPOSITIONS,
    lex.SUBORDINATORS,
    lex.COORDINATORS,
    lex.DETERMINERS,
    lex.PRONOUNS,
    lex.IRREGULAR,
    {"who", "whom", "whose", "that", "it"},
)


def glue(token: Token) -> bool:
    low = token.low
    return (
        low in ("at", "least")  # "should at least have"
        or low in lex.AUXILIARIES
        or low in lex.NEGATIONS
        or low in lex.ADVERBS
        or (low.endswith("ly") and len(low) > 4)
    )


LIGHT_LINKS = frozenset({"ahead", "on", "and"})


def clause_start(tokens: Sequence[Token], at: int) -> bool:
    return at == 0 or tokens[at - 1].low in BOUNDARY or tokens[at - 1].low == ","


def clause_end(tokens: Sequence[Token], start: int) -> int:
    for at in range(start, len(tokens)):
        low = tokens[at].low
        if low == ":" and _in_time(tokens, at):
            continue  # "at 02:10"
        if low in BOUNDARY and low not in "-":
            return at
        if low in lex.SUBORDINATORS and low not in ("that", "once", "as"):
            return at
        if low == "," and not continues(tokens, at + 1):
            return at
    return len(tokens)


def _in_time(tokens: Sequence[Token], at: int) -> bool:
    return (
        0 < at < len(tokens) - 1 and tokens[at - 1].low.isdigit() and tokens[at + 1].low.isdigit()
    )


def continues(tokens: Sequence[Token], at: int) -> bool:
    """After a comma: does the same subject go on ("..., and forgot", "..., bypassing review")?"""
    if at >= len(tokens):
        return False
    low = tokens[at].low
    return (
        low in ("and", "but", "then")
        or low in lex.NEGATIONS  # "..., never committed it"
        or (low.endswith("ing") and len(low) > 5)
    )


def skip_determiners(tokens: Sequence[Token], at: int, end: int) -> int | None:
    while at < end and (tokens[at].low in lex.DETERMINERS or tokens[at].low in ("any", "a")):
        at += 1
    return at if at < end else None


def span_words(tokens: Sequence[Token], first: int, last: int) -> str:
    return " ".join(t.text for t in tokens[first : last + 1])


def main_verb(tokens: Sequence[Token], at: int) -> int | None:
    """The verb after a subject, past auxiliaries and adverbs; None when negated ("did not
    delete"), passive ("was paged") or not a verb."""
    passive = False
    while at < len(tokens) and glue(tokens[at]):
        if tokens[at].low in lex.NEGATIONS or tokens[at].low in lex.CF_MODALS:
            return None
        passive = passive or tokens[at].low in PASSIVE_AUX
        at += 1
    if at >= len(tokens) or not tokens[at].text.replace("-", "").isalpha():
        return None
    low = tokens[at].low
    if passive or low in lex.DETERMINERS or low in lex.PREPOSITIONS or low in BOUNDARY:
        return None
    return at

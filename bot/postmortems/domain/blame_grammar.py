"""A small grammar over a sentence's words that finds blame aimed at people.

A sentence is split into tokens (words, ``'s``, ``n't``, mentions, punctuation); quoted text
and code spans are blanked first, since a quote reports what someone said. Then:

- **people**: configured names (full names, their first and last names, Slack ids, display
  names), ``@handles`` and ``<@U..>`` mentions, common first names written with a capital, role
  nouns with their phrase ("the new contractor"), teams ("the support team", "Support"),
  pronouns and indefinite or relative subjects ("someone", "whoever", "no one");
- **subject position**: a person phrase at the start of a clause (after punctuation, "and",
  "because", "if" ...), not after a verb or a preposition, so "the alert paged Olivia" has no
  person subject;
- **blame** (each a category, the rule the finding carries):

  - ``omission``: a person subject with a failure verb ("skipped", "misjudged", "took down"),
    a negated diligence verb ("did not test", "never checked", "nobody noticed"), "failed to",
    "let ... lapse", "left ... running", a change pushed "untested", or done "without review",
    "despite", "against advice";
  - ``counterfactual``: a person subject with "should/could/would have", "was supposed to",
    "needed to", "if (only) X had", "had X checked", or "known better";
  - ``judgement``: words about a person's care or competence ("careless", "cut corners",
    "lack of diligence", "rookie mistake") anywhere in the sentence;
  - ``possessive``: a person's slip ("X's oversight", "their mistake", "on X's part");
  - ``cause``: the outcome attributed to a person ("caused by X", "because of the DBA",
    "the root cause was X", "the blame lies with ...", "traced the outage back to X");
  - ``harm``: a person subject whose action the sentence marks as damaging: a destructive verb
    or command ("deleted the apex record", "ran terraform destroy"), a safeguard turned off
    ("silenced the pager"), a secret put where it leaks, "instead of", a failure "with the check
    overridden", or the damage its clause goes on to do ("... that locked the orders table",
    "and it hammered the upstream", "that's what starved the db"). Remedies and fixes
    ("disabled the feature flag to stop the errors", "deleted the stale lock") are not harm.

People are also found by grammar: the antecedent of "who" ("it was liam who", "Oluwaseun,
who"), a capitalised first word that a later "his"/"her" refers to, a capitalised surname after
a first name, "one of the overnight people", and, for harm only, a capitalised first word that
is not a known product followed by a past-tense verb. Nominative pronouns ("they", "she") are
subjects wherever they stand ("a build they had never installed").

Words are matched through ``stems`` (a tiny suffix stripper), so the lists in
``blame_lexicon`` hold base forms only. Failure words about systems stay clean because the
subject is not a person: "the check missed the regression", "the step was skipped".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from bot.postmortems.domain import blame_lexicon as lex

OMISSION = "omission"
COUNTERFACTUAL = "counterfactual"
JUDGEMENT = "judgement"
POSSESSIVE = "possessive"
CAUSE = "cause"
HARM = "harm"
CHANGE = "change"
CATEGORIES = (OMISSION, COUNTERFACTUAL, JUDGEMENT, POSSESSIVE, CAUSE, HARM, CHANGE)

_TOKEN = re.compile(
    r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>|@\w[\w.-]*\w|@\w"
    r"|\w+(?:[-.]\w+)*(?=n['\u2019]t\b)|n['\u2019]t\b"
    r"|['\u2019](?:s|ve|d|ll|re|m)\b|\w+(?:[-.]\w+)*|[^\w\s]"
)
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|`[^`]*`")
_BOUNDARY = frozenset(';:—\u2013-()[]|!?."“”…')
_PASSIVE_AUX = frozenset({"was", "were", "been", "be", "being", "is", "are", "got", "get"})
_OUTCOMES = lex._words(
    "outage incident failure downtime breach loss mess problem issue error mistake breakage "
    "disruption degradation damage"
)
_NOT_BLAME_AFTER = lex._words(
    "budget budgets rate rates message messages log logs code codes page pages handling count "
    "counts spike spikes path paths tracking tracker report reports class classes"
)
_HINDSIGHT = lex._words(
    "mistake mistakes bug bugs error errors warning warnings problem issue sign signs typo flaw "
    "risk broken wrong bad dangerous"
)
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


def _past(base: str) -> str:
    if base.endswith("e"):
        return base + "d"
    if (
        len(base) > 2
        and base[-1] not in "aeiouwy"
        and base[-2] in "aeiou"
        and base[-3] not in "aeiou"
    ):
        return base + base[-1] + "ed"
    return base + "ed"


def _is(word: str, words: frozenset[str]) -> bool:
    return not stems(word).isdisjoint(words)


@dataclass(frozen=True)
class Token:
    text: str
    low: str
    start: int
    end: int


@dataclass(frozen=True)
class Mention:
    start: int  # token index of the phrase's first word
    end: int  # token index after the phrase
    kind: str  # named, role, team, pronoun


@dataclass(frozen=True)
class Hit:
    category: str
    start: int  # character offsets in the sentence
    end: int
    words: str  # the words that read as blame, for the finding's explanation


class People:
    """Who counts as a named person: configured names, their parts, ids and display names."""

    def __init__(self, people: Iterable[str]) -> None:
        self.single: set[str] = set()
        self.lower: set[str] = set()  # every configured word in lower case, for chat style
        self.multi: dict[str, list[tuple[str, ...]]] = {}  # first word -> full names
        for entry in people:
            name = entry.strip().lstrip("@")
            words = tuple(t.group() for t in _TOKEN.finditer(name))
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


def analyse(sentence: str, people: People) -> list[Hit]:
    """The blame in one sentence: at most one hit per category, in category order."""
    blanked = _blank_quotes(sentence)
    found = list(_TOKEN.finditer(blanked))
    lows = _modal_of([m.group().lower().replace("\u2019", "'") for m in found])
    if not has_cue(lows):
        return []
    tokens = [Token(m.group(), low, m.start(), m.end()) for m, low in zip(found, lows, strict=True)]
    every = find_mentions(tokens, people)
    mentions = [m for m in every if m.kind != "unknown"]
    hits: dict[str, Hit] = {}
    for hit in _judgements(tokens, {m.start for m in mentions}):
        hits.setdefault(hit.category, hit)
    for hit in _possessives(tokens, mentions):
        hits.setdefault(hit.category, hit)
    for hit in _owned_failures(tokens, mentions):
        hits.setdefault(hit.category, hit)
    for hit in _causes(tokens, mentions):
        hits.setdefault(hit.category, hit)
    conditional = _system_condition(tokens, mentions)
    for mention in mentions:
        mode = _subject_mode(tokens, mention)
        if mode is not None:
            for hit in _predicate(tokens, mention, mode, conditional):
                hits.setdefault(hit.category, hit)
    if OMISSION not in hits:
        for hit in _harms(tokens, every):
            hits.setdefault(hit.category, hit)
            break
    if not hits:
        for hit in _changes(tokens, every):
            hits.setdefault(hit.category, hit)
            break
    return [hits[c] for c in CATEGORIES if c in hits]


def _modal_of(lows: list[str]) -> list[str]:
    """Read "should of", "could of" (how "should've" is often written) as "should have"."""
    for at in range(1, len(lows)):
        if lows[at] == "of" and lows[at - 1] in _MODALS_OF:
            lows[at] = "have"
    return lows


_ABILITY = frozenset({"can", "cannot", "will", "'ll", "may", "might", "could", "shall"})
_MODALS_OF = frozenset({"should", "could", "would", "must", "might"})


def _blank_quotes(sentence: str) -> str:
    if '"' in sentence or "“" in sentence or "`" in sentence:
        return _QUOTED.sub(lambda m: " " * len(m.group()), sentence)
    return sentence


def tokenize(sentence: str) -> list[Token]:
    blanked = _blank_quotes(sentence)
    return [
        Token(m.group(), m.group().lower().replace("\u2019", "'"), m.start(), m.end())
        for m in _TOKEN.finditer(blanked)
    ]


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
    while head >= 0 and _glue(tokens[head]):
        if tokens[head].low in _PASSIVE_AUX:
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
            first = ante - 1 if ante > 0 and _name_like(tokens[ante - 1]) else ante
            found.append(Mention(first, ante + 1, "named"))
            taken.update(range(first, ante + 1))
    if 0 not in taken and tokens and _name_like(tokens[0]) and _unknown_word(tokens[0].low):
        end = 2 if len(tokens) > 2 and _name_like(tokens[1]) else 1
        if end < len(tokens) and _past_like(tokens[end]):
            gendered = any(t.low in _GENDERED for t in tokens[end:])
            found.append(Mention(0, end, "named" if gendered else "unknown"))
    return sorted(mentions + found, key=lambda m: m.start)


_GENDERED = frozenset({"he", "she", "his", "her", "him", "himself", "herself", "hers"})
_NOUN_ENDINGS = (
    "ing", "tion", "sion", "ment", "ness", "ity", "ance", "ence", "er", "or", "age", "ure",
    "ics", "ism", "s", "al", "ogy", "cy", "ry", "ic", "ive", "ate", "ue", "ly",
)  # fmt: skip


def _name_like(token: Token) -> bool:
    text = token.text
    return text.isalpha() and text[:1].isupper() and text[1:].islower() and len(text) > 1


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
        or low in _TIME_WORDS
        or _is_head(low)
        or (low.endswith(_NOUN_ENDINGS) and not low.endswith(("us", "as", "os")))  # Rasmus
        or low in ("it", "there", "here", "what", "who", "why", "how", "yesterday", "today")
    )


def _past_like(token: Token) -> bool:
    low = token.low
    return (low.endswith("ed") and len(low) > 4) or (
        low in lex.IRREGULAR and lex.IRREGULAR[low] != low
    )


def _mention_at(tokens: Sequence[Token], at: int, people: People) -> Mention | None:
    low = tokens[at].low
    named = people.match(tokens, at)
    if named:
        end = at + named
        if end < len(tokens) and _name_like(tokens[end]) and _unknown_word(tokens[end].low):
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
        kind = "team" if any(_is(t.low, lex.TEAM_HEADS) for t in tokens[at:end]) else "role"
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
    if not (noun.text.isalpha() and noun.text.islower()) or _glue(noun) or _past_like(noun):
        return False
    if noun.low in _FUNCTION_WORDS or cue_kind(noun.low) & STRONG:
        return False
    return _past_like(verb) or verb.low in lex.AUXILIARIES


_FUNCTION_WORDS = frozenset().union(
    lex.PREPOSITIONS,
    lex.SUBORDINATORS,
    lex.COORDINATORS,
    lex.DETERMINERS,
    lex.PRONOUNS,
    lex.IRREGULAR,
    {"who", "whom", "whose", "that", "it"},
)


def _is_head(low: str) -> bool:
    return _is(low, lex.ROLE_NOUNS) or _is(low, lex.TEAM_HEADS)


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
        low in _BOUNDARY
        or low == ","
        or low in lex.PREPOSITIONS
        or low in lex.SUBORDINATORS
        or low in lex.COORDINATORS
        or low in lex.AUXILIARIES
    )


def _glue(token: Token) -> bool:
    low = token.low
    return (
        low in ("at", "least")  # "should at least have"
        or low in lex.AUXILIARIES
        or low in lex.NEGATIONS
        or low in lex.ADVERBS
        or (low.endswith("ly") and len(low) > 4)
    )


def _subject_mode(tokens: Sequence[Token], mention: Mention) -> str | None:
    """How the phrase is a subject: "clause", "if" (a condition), "had" (inverted condition),
    "cleft" (it was X who), or None when it is not a subject (an object, after a preposition)."""
    if _who_follows(tokens, mention.end):
        return "clause"  # "the change was made by Dmitri, who bypassed the merge queue"
    at = mention.start - 1
    while at >= 0 and (tokens[at].low in lex.ADVERBS or _ly(tokens[at].low)):
        at -= 1
    if at < 0:
        return "clause"
    low = tokens[at].low
    if low == "had" and _clause_start(tokens, at):
        return "had"
    if low in ("if", "unless"):
        return "if"
    if low in ("n't", "not") and at >= 2 and tokens[at - 2].low == "why":
        return "had"  # "why didn't the on-call escalate?"
    if low in ("did", "was", "were") and at >= 1 and tokens[at - 1].low == "why":
        return "clause"
    if low in ("was", "is") and at > 0 and tokens[at - 1].low == "it":
        return "cleft"
    if low in _BOUNDARY or low == "," or low in lex.COORDINATORS or low in lex.SUBORDINATORS:
        return "clause"
    if mention.kind == "pronoun" and tokens[mention.start].low in _NOMINATIVE:
        return "clause"  # "a build they had never installed": "they" is always a subject
    if mention.kind == "named" and all(_name_like(t) for t in tokens[: mention.start]):
        return "clause"  # a nickname's adjective: "Big Tom yanked ..."
    return "clause" if _after_time_phrase(tokens, at) else None


_NOMINATIVE = frozenset({"he", "she", "they", "we"})


def _who_follows(tokens: Sequence[Token], at: int) -> bool:
    """ "who" (or ", who") right after a person phrase: its relative clause has them as subject."""
    if at < len(tokens) and tokens[at].low == "," and at + 1 < len(tokens):
        at += 1
    return at < len(tokens) and tokens[at].low == "who"


_GROUPS = frozenset({"us", "them", "you"})
# Subjects that carry their own clause: "anyone paying attention would have noticed".
_RELATIVE_SUBJECTS = frozenset({"whoever", "whomever", "anyone", "anybody"})
_CHANCES = frozenset({"chance", "chances", "opportunity", "opportunities"})
_LIGHT_LINKS = frozenset({"ahead", "on", "and"})
_TIME_PREPOSITIONS = lex._words("at on in during around by from within over shortly about")
_TIME_WORDS = lex._words(
    "am pm utc gmt cet cest est edt pst pdt morning afternoon evening night weekend midnight noon "
    "day week month today yesterday tonight hour hours minute minutes shift incident outage"
)


def _after_time_phrase(tokens: Sequence[Token], at: int) -> bool:
    """Whether ``at`` ends a clause-opening time phrase without a comma ("At 03:12 the DBA")."""
    for first in range(at, max(at - 6, -1), -1):
        token = tokens[first]
        if token.low in _TIME_PREPOSITIONS and _clause_start(tokens, first):
            return True
        if not (
            token.low.isdigit()
            or token.low in (":", ".")
            or token.low in lex.DETERMINERS
            or token.low in _TIME_WORDS
            or token.text[:1].isupper()
        ):
            return False
    return False


def _ly(low: str) -> bool:
    return low.endswith("ly") and len(low) > 4 and low not in ("only", "family", "supply")


def _clause_start(tokens: Sequence[Token], at: int) -> bool:
    return at == 0 or tokens[at - 1].low in _BOUNDARY or tokens[at - 1].low == ","


def _clause_end(tokens: Sequence[Token], start: int) -> int:
    for at in range(start, len(tokens)):
        low = tokens[at].low
        if low == ":" and _in_time(tokens, at):
            continue  # "at 02:10"
        if low in _BOUNDARY and low not in "-":
            return at
        if low in lex.SUBORDINATORS and low not in ("that", "once", "as"):
            return at
        if low == "," and not _continues(tokens, at + 1):
            return at
    return len(tokens)


def _in_time(tokens: Sequence[Token], at: int) -> bool:
    return (
        0 < at < len(tokens) - 1 and tokens[at - 1].low.isdigit() and tokens[at + 1].low.isdigit()
    )


def _continues(tokens: Sequence[Token], at: int) -> bool:
    """After a comma: does the same subject go on ("..., and forgot", "..., bypassing review")?"""
    if at >= len(tokens):
        return False
    low = tokens[at].low
    return (
        low in ("and", "but", "then")
        or low in lex.NEGATIONS  # "..., never committed it"
        or (low.endswith("ing") and len(low) > 5)
    )


def _predicate(
    tokens: Sequence[Token], mention: Mention, mode: str, conditional: bool = False
) -> list[Hit]:
    start = mention.end
    if start >= len(tokens) or tokens[start].low in ("'s", "'"):
        return []
    relative = mention.kind == "pronoun" and tokens[mention.start].low in _RELATIVE_SUBJECTS
    if tokens[start].low == "," and _who_follows(tokens, start):
        start += 1
    if tokens[start].low in ("who", "that"):
        relative, start = True, start + 1
    if start >= len(tokens):  # "nobody who": the sentence ends before any verb
        return []
    end = _clause_end(tokens, start)
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
        if low in lex.COORDINATORS or (low == "," and _continues(tokens, at + 1)):
            verbs.append(at + 1)
        elif low == "by" and at + 1 < end and tokens[at + 1].low.endswith("ing"):
            verbs.append(at + 1)  # the manner: "broke the failover by killing the wrong process"
    for at in verbs:
        hit = _verb_phrase(tokens, at, end, mode, negated, subject)
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
    """ "We should have had/been ...": a counterfactual about what the team had, not what
    someone did."""
    if hit.category != COUNTERFACTUAL or tokens[mention.start].low not in ("we", "us"):
        return False
    last = next((k for k, t in enumerate(tokens) if t.end == hit.end), 0)
    return any(t.low in ("had", "been") for t in tokens[max(last - 1, 0) : last + 1])


def _system_condition(tokens: Sequence[Token], mentions: Sequence[Mention]) -> bool:
    """Whether the sentence has a condition about a thing, not a person: "if the alert had
    been on error rate", "had the check run"."""
    starts = {m.start for m in mentions}
    found = False
    for at, token in enumerate(tokens):
        if token.low in ("if", "unless") or (token.low == "had" and _clause_start(tokens, at)):
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
        _glue(token)
        or bool(cue_kind(low) & STRONG)
        or low.endswith("ed")
        or low in lex.IRREGULAR
        or low in lex.LIGHT_VERBS
    )


def _verb_phrase(
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
            return Hit(COUNTERFACTUAL, subject, tokens[chance].end, _words(tokens, at, chance))
    while at < end and (_glue(tokens[at]) or tokens[at].low in lex.LIGHT_VERBS):
        low = tokens[at].low
        slip = slip or low in lex.SLIP_ADVERBS
        if (
            low == "to"
            and tokens[at - 1].low != "ought"
            and tokens[at - 1].low not in lex.LIGHT_VERBS
            and not (tokens[at - 1].low in lex.NEGATIONS and tokens[at - 2].low == "ought")
        ):
            break
        if low in lex.LIGHT_VERBS and at + 1 < end and tokens[at + 1].low in _LIGHT_LINKS:
            at += 1  # "went ahead", "insisted on"
        modal = modal or low in lex.CF_MODALS
        able = able or low in _ABILITY
        have = have or (modal and low in ("have", "'ve"))
        negated = negated or low in lex.NEGATIONS
        passive = passive or low in _PASSIVE_AUX
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
        return Hit(OMISSION, subject, verb.end, _words(tokens, first, at))
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
        if not bases.isdisjoint(lex.DESTRUCTIVE_VERBS) and _a_remedy(tokens, at, end):
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
    if "let" in bases and any(_is(w, lex.LET_COMPLEMENTS) for w in ahead[1:5]):
        return make(OMISSION, at)
    if "leave" in bases and (
        ahead[:1] == ["out"] or any(w in lex.LEAVE_COMPLEMENTS for w in ahead[1:5])
    ):
        return make(OMISSION, at)
    if not bases.isdisjoint(lex.START_VERBS) and any(w in _OUTCOMES for w in ahead[:4]):
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
        if word in _BOUNDARY or word == "," or word in lex.PREPOSITIONS:
            return False
    return False


def _predicate_cues(
    tokens: Sequence[Token], start: int, end: int, relative: bool, subject: int
) -> list[Hit]:
    """Cues anywhere in a person's clause: "without review", "despite", "against advice", and
    for "whoever/anyone who ..." clauses the main verb's modal or negation."""
    hits: list[Hit] = []
    for at in range(start, end):
        low = tokens[at].low
        nxt = _skip_determiners(tokens, at + 1, end)
        if low in ("can", "may", "cannot"):  # what people are able to do: the system's shape
            break
        if low == "by" and at + 1 < end and tokens[at + 1].low in ("mistake", "accident"):
            hits.append(Hit(OMISSION, subject, tokens[at + 1].end, _words(tokens, at, at + 1)))
            break  # "scaled the cluster to zero by mistake": a slip, like "mistakenly"
        if low == "too" and at + 1 < end and tokens[at + 1].low in lex.TOO_WORDS:
            hits.append(Hit(OMISSION, subject, tokens[at + 1].end, _words(tokens, at, at + 1)))
            break
        if low == "with" and at + 1 < end and tokens[at + 1].low in ("no", "zero"):
            low, nxt = "without", at + 2 if at + 2 < end else None  # "with no change ticket"
        if (
            (low == "without" and nxt is not None and _unchecked(tokens, nxt, end))
            or low in lex.DEFIANCE
            or (low == "against" and nxt is not None and tokens[nxt].low in lex.AGAINST_OBJECTS)
        ):
            last = nxt if nxt is not None and low != "despite" else at
            hits.append(Hit(OMISSION, subject, tokens[last].end, _words(tokens, at, last)))
            break
        if relative and low in lex.CF_MODALS and _have_follows(tokens, at + 1, end):
            hits.append(Hit(COUNTERFACTUAL, subject, tokens[at + 1].end, low + " have"))
            break
        if relative and low in lex.NEGATIONS and at + 1 < end:
            verb = at + 1
            while verb < end - 1 and _glue(tokens[verb]):
                verb += 1
            if _is(tokens[verb].low, lex.DILIGENCE_VERBS):
                hits.append(Hit(OMISSION, subject, tokens[verb].end, _words(tokens, at, verb)))
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


def _skip_determiners(tokens: Sequence[Token], at: int, end: int) -> int | None:
    while at < end and (tokens[at].low in lex.DETERMINERS or tokens[at].low in ("any", "a")):
        at += 1
    return at if at < end else None


def _words(tokens: Sequence[Token], first: int, last: int) -> str:
    return " ".join(t.text for t in tokens[first : last + 1])


def _judgements(tokens: Sequence[Token], people: set[int]) -> Iterable[Hit]:
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
            nxt = _skip_determiners(tokens, at + 1, len(tokens))
            if nxt is not None and tokens[nxt].low == "of":
                nxt = _skip_determiners(tokens, nxt + 1, len(tokens))
            if nxt is not None and (tokens[nxt].low in follow or "" in follow):
                yield Hit(JUDGEMENT, token.start, tokens[nxt].end, _words(tokens, at, nxt))
                return
        if ("obvious" in bases or token.low == "obviously") and any(
            t.low in _HINDSIGHT for t in tokens[at + 1 : at + 3]
        ):
            yield Hit(JUDGEMENT, token.start, tokens[min(at + 2, len(tokens) - 1)].end, "")
            return
        for firsts, rest, category in _FIXED_PHRASES:
            last = at + len(rest)
            if token.low in firsts and tuple(t.low for t in tokens[at + 1 : last + 1]) == rest:
                yield Hit(category, token.start, tokens[last].end, _words(tokens, at, last))
                return


def _harms(tokens: Sequence[Token], mentions: Sequence[Mention]) -> Iterable[Hit]:
    """A person subject's action marked as damaging by its verb, object or manner, or by the
    damage the following clause says it did."""
    for mention in mentions:
        mode = _subject_mode(tokens, mention)
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
                (k for k in range(start + 1, min(start + 5, len(tokens))) if _past_like(tokens[k])),
                len(tokens),
            )
        verbs = [v for v in (_main_verb(tokens, at) for at in [start, *starts]) if v is not None]
        if not verbs:
            continue
        verb = verbs[0] if len(verbs) == 1 else verbs[-1]
        hit = _harm_of(tokens, verbs[0], tokens[mention.start].start)
        if hit is None and verb != verbs[0]:
            hit = _harm_of(tokens, verb, tokens[mention.start].start)
        if hit is not None and _as_intended(tokens, verbs[0] + 1):
            continue  # "as planned", "per the runbook", "for the planned maintenance"
        if hit is not None and mention.kind == "unknown" and hit.words.split()[-1] not in _HUMAN:
            continue  # a capitalised word may be a product: products delete and drop things
        if hit is not None:
            yield hit
            return


# What only people do, so an unknown capitalised subject doing it is a person: put a secret
# where it leaks, or pick one thing "instead of" another.
_HUMAN = frozenset(lex.SECRETS | {"of"})


def _main_verb(tokens: Sequence[Token], at: int) -> int | None:
    """The verb after a subject, past auxiliaries and adverbs; None when negated ("did not
    delete"), passive ("was paged") or not a verb."""
    passive = False
    while at < len(tokens) and _glue(tokens[at]):
        if tokens[at].low in lex.NEGATIONS or tokens[at].low in lex.CF_MODALS:
            return None
        passive = passive or tokens[at].low in _PASSIVE_AUX
        at += 1
    if at >= len(tokens) or not tokens[at].text.replace("-", "").isalpha():
        return None
    low = tokens[at].low
    if passive or low in lex.DETERMINERS or low in lex.PREPOSITIONS or low in _BOUNDARY:
        return None
    return at


def _harm_of(tokens: Sequence[Token], verb: int, subject: int) -> Hit | None:
    end = _clause_end(tokens, verb + 1)
    low = tokens[verb].low
    bases = stems(low) | stems(low.rpartition("-")[2])  # "force-deleted"
    window = [t.low for t in tokens[verb + 1 : min(end, verb + 7)]]
    remedial = not bases.isdisjoint(lex.REMEDIAL_VERBS) or not bases.isdisjoint(
        lex.PERCEPTION_VERBS
    )
    purpose = any(w == "to" and _purpose_verb(window, k + 1) for k, w in enumerate(window)) or any(
        t.low in ("so", "order") for t in tokens[verb + 1 : end]
    )
    obj = window[: next((k for k, w in enumerate(window) if w in lex.PREPOSITIONS), len(window))]
    repair = any(w in lex.REPAIR_OBJECTS for w in obj)  # its object, not where it went

    def hit(last: int) -> Hit:
        return Hit(HARM, subject, tokens[last].end, _words(tokens, verb, last))

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
                    if _is(w, lex.SAFEGUARDS):
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
                if _past_like(tokens[k]) and not stems(word).isdisjoint(
                    lex.FAILURE_VERBS | lex.DEFEAT_VERBS
                ):
                    return hit(k)
    if remedial or purpose:
        return None
    return _consequence(tokens, verb, subject)


def _a_remedy(tokens: Sequence[Token], verb: int, end: int) -> bool:
    """A destructive verb used as a fix: its object is stale, stuck or temporary, or it is done
    for a purpose ("to free disk space")."""
    window = [t.low for t in tokens[verb + 1 : min(end, verb + 7)]]
    obj = window[: next((k for k, w in enumerate(window) if w in lex.PREPOSITIONS), len(window))]
    return any(w in lex.REPAIR_OBJECTS for w in obj) or any(
        w == "to" and _purpose_verb(window, k + 1) for k, w in enumerate(window)
    )


def _purpose_verb(window: Sequence[str], at: int) -> bool:
    """Whether "to" before ``at`` opens a purpose ("to stop the errors", "to clear it"), not a
    destination ("to prod", "to 5000", "to the public repo")."""
    if at >= len(window) or not window[at].isalpha():
        return False
    bases = stems(window[at])
    after = window[at + 1] if at + 1 < len(window) else ""
    return (
        not bases.isdisjoint(_PURPOSES)
        or after in lex.DETERMINERS
        or after in lex.POSSESSIVE_PRONOUNS
        or after in ("it", "them", "up", "down", "off", "out")
    ) and window[at] not in lex.DETERMINERS


_PURPOSES = frozenset().union(
    lex.REMEDIAL_VERBS,
    lex.PERCEPTION_VERBS,
    lex.DILIGENCE_VERBS,
    lex._words(
        "clear unblock free save keep avoid prevent reduce speed make get let allow help protect "
        "limit recover buy shed relieve ease unstick mitigate"
    ),
)


def remedial_object(window: Sequence[str]) -> bool:
    """A flag or feature turned off is a remedy ("disabled the feature flag")."""
    return any(w in ("flag", "flags", "feature", "toggle", "experiment") for w in window[:4])


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
        if not _past_like(tokens[at]):
            continue
        bases = stems(low)
        nxt = tokens[at + 1].low if at + 1 < len(tokens) else ""
        phrase = any(nxt in lex.DAMAGE_PHRASES.get(b, ()) for b in bases)
        if bases.isdisjoint(lex.DAMAGE_VERBS) and not phrase:
            continue
        if _linked(tokens, at, verb) or (phrase and nxt == "with"):
            return Hit(HARM, subject, tokens[at].end, _words(tokens, verb, at))
    return None


def _as_intended(tokens: Sequence[Token], at: int) -> bool:
    """Whether the rest of the sentence says the action or its effect was meant: "as planned",
    "as agreed in the change", "per the runbook", "for the planned maintenance"."""
    lows = [t.low for t in tokens[at:]]
    for k, word in enumerate(lows):
        if word in _INTENDED and k > 0 and lows[k - 1] in ("as", "the", "a"):
            return True
        if word in ("as", "per", "following") and any(
            w in _PROCEDURES for w in lows[k + 1 : k + 3]
        ):
            return True
    return False


_INTENDED = frozenset(
    {"planned", "expected", "intended", "designed", "scheduled", "announced", "agreed"}
)
_PROCEDURES = frozenset({"runbook", "playbook", "procedure", "documented", "approved", "agreed"})


def _linked(tokens: Sequence[Token], at: int, verb: int) -> bool:
    """Whether the clause ending at ``at`` is the action's consequence: led by "which" or
    "that", by "and it"/"until it", or a "that's what"/"which is how" frame."""
    before = at - 1
    while before > verb and _glue(tokens[before]):
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


def _judgement_stems(low: str) -> frozenset[str]:
    """``stems``, and for a compound the stems of its first part when that is a judgement:
    "yolo-merged", "cowboy-deployed", "half-arsed"."""
    bases = stems(low)
    head = low.partition("-")[0]
    if head != low and head in lex.JUDGEMENT:
        return bases | {head}
    return bases


def _by_a_thing(tokens: Sequence[Token], at: int, people: set[int]) -> bool:
    """A passive participle whose agent ("by ...") is not a person phrase."""
    if at + 1 >= len(tokens) or tokens[at + 1].low != "by" or not tokens[at].low.endswith("ed"):
        return False
    agent = _skip_determiners(tokens, at + 2, len(tokens))
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


def _owned_failures(tokens: Sequence[Token], mentions: Sequence[Mention]) -> Iterable[Hit]:
    """A person's change or decision as the subject of a failure: "Elena's script wiped the
    log", "the manager's decision to skip the canary"."""
    for mention in mentions:
        owner = mention.end
        if owner >= len(tokens) or tokens[owner].low not in ("'s", "'"):
            continue
        if _subject_mode(tokens, mention) is None:
            continue
        end = _clause_end(tokens, owner + 1)
        for verb in range(owner + 2, min(owner + 4, end)):
            low = tokens[verb - 1].low
            if low in lex.PREPOSITIONS and low != "to":
                break
            hit = _verb_phrase(tokens, verb, end, "clause", False, tokens[mention.start].start)
            if hit is not None and hit.category == OMISSION:
                yield Hit(POSSESSIVE, hit.start, hit.end, hit.words)
                return


def _possessives(tokens: Sequence[Token], mentions: Sequence[Mention]) -> Iterable[Hit]:
    owners = [m.end for m in mentions if m.end < len(tokens) and tokens[m.end].low in ("'s", "'")]
    owners += [
        at + 1
        for at, t in enumerate(tokens)
        if t.low in lex.POSSESSIVE_PRONOUNS or t.low in ("someone", "somebody")
    ]
    for owner in [m.end for m in mentions if m.end < len(tokens) and tokens[m.end].low == "'s"]:
        after = tokens[owner + 1].low if owner + 1 < len(tokens) else "."
        if after in _BOUNDARY and any(_is(t.low, lex.BLAME_NOUNS) for t in tokens[:owner]):
            first = max(owner - 1, 0)
            yield Hit(
                POSSESSIVE, tokens[first].start, tokens[owner].end, _words(tokens, first, owner)
            )
            return  # "the lapse was the operator's."
    for owner in owners:
        at = owner + 1 if tokens[owner - 1].low not in lex.POSSESSIVE_PRONOUNS else owner
        if owner < len(tokens) and tokens[owner].low in ("'s", "'"):
            at = owner + 1
        for look in range(at, min(at + 3, len(tokens))):
            low = tokens[look].low
            after = tokens[look + 1].low if look + 1 < len(tokens) else ""
            blame = _is(low, lex.BLAME_NOUNS) or _is(low, lex.JUDGEMENT) or low == "part"
            if low.endswith("ed") and low not in lex.BLAME_NOUNS and low not in lex.JUDGEMENT:
                blame = False  # "our autoscaler neglected ...": a verb, not an owned slip
            if low in ("failure", "failures") and after != "to" and owner < len(tokens):
                blame = tokens[owner].low in ("'s", "'")  # "their failures" may be machines'
            if low == "part" and (owner < 2 or tokens[owner - 2].low != "on"):
                blame = False
            if blame and after not in _NOT_BLAME_AFTER:
                first = max(owner - 1, 0)
                yield Hit(
                    POSSESSIVE, tokens[first].start, tokens[look].end, _words(tokens, first, look)
                )
                return
            if low in _BOUNDARY or low in lex.PREPOSITIONS:
                break


def _causes(tokens: Sequence[Token], mentions: Sequence[Mention]) -> Iterable[Hit]:
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
        if not stems(lows[at]).isdisjoint(_GAPPED_FRAMES):
            for look in range(at + 2, min(at + 8, len(tokens) - 1)):
                if lows[look] in ("to", "on") and lows[look - 1] not in _BOUNDARY:
                    found = _person_at(starts, look + 1, tokens)
                    if found is not None:  # "trace the entire incident back to one person"
                        last = tokens[found.end - 1].end
                        yield Hit(CAUSE, tokens[at].start, last, _words(tokens, at, look))
                        return
                    break
        if lows[at] in lex.CAUSE_NOUNS and (at == 0 or lows[at - 1] in ("the", "root", "a")):
            for copula in range(at + 1, min(at + 6, len(tokens))):
                if lows[copula] in lex.COPULAS or lows[copula] == ":":  # "the root cause: Maja"
                    found = _person_at(starts, copula + 1, tokens)
                    if found is not None:
                        last = tokens[found.end - 1].end
                        yield Hit(CAUSE, tokens[at].start, last, _words(tokens, at, copula))
                        return
                    break
        if (
            lows[at] == "by"
            and at > 0
            and (_is(lows[at - 1], lex.FAILURE_VERBS) or lows[at - 1] in lex.UNDONE)
        ):
            found = _person_at(starts, at + 1, tokens)
            if found is not None:
                yield Hit(CAUSE, tokens[at - 1].start, tokens[found.end - 1].end, "by")
                return
        if (
            lows[at] in ("responsible", "accountable")
            and at > 0
            and lows[at - 1] in lex.COPULAS
            and any(t in _OUTCOMES for t in lows[at + 1 : at + 5])
        ):
            yield Hit(CAUSE, tokens[at].start, tokens[at].end, lows[at])
            return


_GAPPED_FRAMES = frozenset({"trace", "pin", "chalk", "attribute"})
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
        if low in _BOUNDARY or low == "," or low in lex.PREPOSITIONS or low in lex.SUBORDINATORS:
            return None
    return None


# What makes a sentence worth reading: a word from one of the grammar's lists. Every category
# needs one (a "strong" cue), except possessive blame, which needs an owner ("'s", "their")
# and a blame noun together. ``analyse`` returns nothing without them, and ``cue_words`` picks
# a text's words by the same test, so reading only sentences that hold one finds the same.
_INFLECTED_CUES = frozenset().union(
    lex.FAILURE_VERBS,
    lex.JUDGEMENT,
    set(lex.JUDGEMENT_PHRASES) - {"more", "less", "common", "bad", "eye", "eyes", "no", "one"},
    {"fail", "let", "leave", "obvious", "cut"},
    lex.DESTRUCTIVE_VERBS,
    lex.DAMAGE_VERBS,
    lex.DEFEAT_VERBS,
    _GAPPED_FRAMES,
)
_EXACT_CUES = frozenset().union(
    lex.CF_MODALS,
    lex.DEFIANCE,
    lex.UNREADY,
    lex.NEGATIONS,
    lex.CAUSE_NOUNS,
    lex.CAUSAL_WORDS,
    lex.JUDGEMENT_PHRASES["more"],  # "more careful": the rarer word is the cue
    lex.JUDGEMENT_PHRASES["less"],
    {"sense", "without", "against", "supposed", "meant", "expected", "better", "if", "unless"},
    {"responsible", "too", "nowhere", "off", "excuse", "job", "why", "chance", "opportunity"},
    lex.SLIP_ADVERBS,
    lex.RISKY,
    lex.START_VERBS,
    lex.UNDONE,
    {"accountable", "nobody", "none", "no-one", "n't"},
    lex.DESTRUCTIVE_COMMANDS,
    lex.SECRETS,
    {"instead", "sleep", "bed", "mistake", "accident"},
    {form for base in lex.DAMAGE_PHRASES for form in (_past(base), base)},
    {form for form, base in lex.IRREGULAR.items() if base in lex.DAMAGE_PHRASES},
)
_PHRASAL_PAST = frozenset(
    {form for form, base in lex.IRREGULAR.items() if base in lex.PHRASAL_FAILURES}
    | {_past(base) for base in lex.PHRASAL_FAILURES}
)
STRONG, OWNER, BLAME_NOUN, CHANGED = 1, 2, 4, 64


@lru_cache(maxsize=65536)
def cue_kind(low: str) -> int:
    """Which cues a token (lower case) is: STRONG, OWNER and BLAME_NOUN bits."""
    bases = stems(low)
    kind = 0
    if (
        low in _EXACT_CUES
        or low in _PHRASAL_PAST
        or not bases.isdisjoint(_INFLECTED_CUES)
        or low.partition("-")[0] in lex.JUDGEMENT
        or ("-" in low and not stems(low.rpartition("-")[2]).isdisjoint(_INFLECTED_CUES))
    ):
        kind |= STRONG
    if low in ("'s", "'") or low in lex.POSSESSIVE_PRONOUNS:
        kind |= OWNER
    if not bases.isdisjoint(lex.BLAME_NOUNS) or low in ("part", "depth"):  # "out of his depth"
        kind |= BLAME_NOUN
    if _changed(low):
        kind |= CHANGED
    return kind


def _changed(low: str) -> bool:
    """A change verb in the past ("restarted", "force-deleted", "ran") or a light verb that may
    carry one ("kept hammering"): what the ``change`` category needs."""
    if not (low.endswith("ed") and len(low) > 4) and lex.IRREGULAR.get(low, low) == low:
        return False
    bases = stems(low) | stems(low.rpartition("-")[2])
    return not bases.isdisjoint(lex.CHANGE_VERBS) or low in lex.LIGHT_VERBS or "roll" in bases


def has_cue(lows: Sequence[str]) -> bool:
    """Whether a sentence's tokens (lower case) hold what some category needs."""
    kinds = 0
    for at, low in enumerate(lows):
        kind = cue_kind(low)
        if kind & STRONG or (low == "had" and at == 0):
            return True
        if kind & CHANGED and (at == 0 or lows[at - 1] in _BOUNDARY or lows[at - 1] == ","):
            kind &= ~CHANGED  # "Person 10: Restarted checkout-0" has no subject to the verb
        if low == "no" and at + 1 < len(lows) and lows[at + 1] == "one":
            return True
        if low == "with" and at + 1 < len(lows) and lows[at + 1] in ("no", "zero"):
            return True  # "with no change ticket"
        kinds |= kind
    if kinds & CHANGED and _PROCEDURE.isdisjoint(lows):
        return True  # a change, unless a runbook step or procedure frames it
    return kinds & (OWNER | BLAME_NOUN) == OWNER | BLAME_NOUN


NO, ONE, WITH = 8, 16, 32


def cue_chunks(folded: str) -> dict[int, set[str]]:
    """The whitespace-separated chunks of a case-folded text that hold cues, by cue bit. A line
    may hold a finding only if its chunks hold a strong cue, an owner with a blame noun, or
    "no" with "one" (``LINE_CUES``); ``analyse`` flags nothing in any other line."""
    found: dict[int, set[str]] = {
        STRONG: set(),
        CHANGED: set(),
        OWNER: set(),
        BLAME_NOUN: set(),
        NO: set(),
        ONE: set(),
        WITH: set(),
    }
    for chunk in set(folded.split()):
        kinds = _chunk_kind(chunk)
        if kinds:
            for bit, chunks in found.items():
                if kinds & bit:
                    chunks.add(chunk)
    return found


LINE_CUES = ((STRONG,), (OWNER, BLAME_NOUN), (NO, ONE), (WITH, NO), (CHANGED,))


def _chunk_kind(chunk: str) -> int:
    if chunk.isalpha():
        return _word_kind(chunk)
    kinds = 0
    for low in _TOKEN.findall(chunk):
        kinds |= _word_kind(low.replace("\u2019", "'"))
    return kinds


@lru_cache(maxsize=65536)
def _word_kind(low: str) -> int:
    if low == "had":
        return STRONG
    return (
        cue_kind(low)
        | (NO if low in ("no", "zero") else 0)
        | (ONE if low == "one" else 0)
        | (WITH if low == "with" else 0)
    )


def _changes(tokens: Sequence[Token], mentions: Sequence[Mention]) -> Iterable[Hit]:
    """A person subject (not "we", "I" or "you": the team narrating itself) making a change to a
    live system, in a sentence that does not frame it as a response (``_responded``)."""
    for mention in mentions:
        if tokens[mention.start].low in _NARRATORS:
            continue
        for verb in _subject_verbs(tokens, mention):
            light = tokens[verb - 1].low in lex.LIGHT_VERBS and _past_like(tokens[verb - 1])
            if not _past_like(tokens[verb]) and not light:
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
                continue  # "disabled the new checkout flow": a remedy's verb (harm reads misuse)
            if _responded(tokens, verb, mention.kind == "unknown"):
                return
            yield Hit(CHANGE, tokens[mention.start].start, tokens[verb].end, tokens[verb].text)
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
    mode = _subject_mode(tokens, mention)
    if mode not in ("clause", "cleft") and not who:
        return []
    if who:
        start += 1
    elif start < len(tokens) and tokens[start].low in lex.PREPOSITIONS:
        start = next(  # "the junior on nights kicked off ...", "somebody on the rota rebooted"
            (k for k in range(start + 1, min(start + 6, len(tokens))) if _past_like(tokens[k])),
            len(tokens),
        )
    first = _main_verb(tokens, start)
    if first is None:  # "they had been warned twice and still went ahead"
        return _and_verbs(tokens, start, _clause_end(tokens, start))
    if tokens[first].low in lex.LIGHT_VERBS and first + 1 < len(tokens):
        if not _past_like(tokens[first]) or tokens[first].low in ("tried", "attempted"):
            return []  # trying something is a response
        if tokens[first + 1].low not in _LIGHT_LINKS:
            first += 1  # "kept hammering the primary" (but "went ahead with the deploy")
        elif tokens[first].low == "went" and tokens[first + 1].low == "ahead":
            return [first]
    return [first, *_and_verbs(tokens, first + 1, _clause_end(tokens, first + 1))]


def _and_verbs(tokens: Sequence[Token], start: int, end: int) -> list[int]:
    """Past verbs joined by "and" ("approved and merged his own change", "and still went")."""
    verbs = []
    for at in range(start, end):
        if tokens[at].low == "and":
            verb = at + 1
            while verb < end and tokens[verb].low in lex.ADVERBS:
                verb += 1
            if verb < end and _past_like(tokens[verb]):
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
    if any(w == "to" and _purpose_verb(after, k + 1) for k, w in enumerate(after)):
        return True  # "... to clear the lock"
    if "so" in after or _as_intended(tokens, verb + 1) or not _PROCEDURE.isdisjoint(after):
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
    if any(w in lex.RECOVERED or (_inflected(w) and _is(w, lex.RECOVERY_WORDS)) for w in after):
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


_PROCEDURE = frozenset(
    {"runbook", "runbooks", "playbook", "playbooks", "procedure", "checklist", "documented", "step"}
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
    if not noun.isalpha() or noun in _FUNCTION_WORDS:
        return False
    if word in _RESPONSE_STATES:
        return k > 0 and after[k - 1] in ("the", "a")
    return word in lex.PROBLEM_STATES


def _inflected(low: str) -> bool:
    return low.endswith(("ed", "ing", "s")) and len(low) > 4

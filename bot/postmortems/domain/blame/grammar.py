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

Words are matched through ``words.stems`` (a tiny suffix stripper), so the lists in
``lexicon`` hold base forms only. Failure words about systems stay clean because the
subject is not a person: "the check missed the regression", "the step was skipped".
"""

from __future__ import annotations

from bot.postmortems.domain.blame.cause import causes
from bot.postmortems.domain.blame.change import changes
from bot.postmortems.domain.blame.cues import has_cue
from bot.postmortems.domain.blame.harm import harms
from bot.postmortems.domain.blame.hits import CATEGORIES, OMISSION, Hit
from bot.postmortems.domain.blame.judgement import judgements
from bot.postmortems.domain.blame.people import People, find_mentions
from bot.postmortems.domain.blame.possessive import owned_failures, possessives
from bot.postmortems.domain.blame.predicates import predicate, system_condition
from bot.postmortems.domain.blame.subjects import subject_mode
from bot.postmortems.domain.blame.words import TOKEN, Token, blank_quotes


def analyse(sentence: str, people: People) -> list[Hit]:
    """The blame in one sentence: at most one hit per category, in category order."""
    blanked = blank_quotes(sentence)
    found = list(TOKEN.finditer(blanked))
    lows = _modal_of([m.group().lower().replace("\u2019", "'") for m in found])
    if not has_cue(lows):
        return []
    tokens = [Token(m.group(), low, m.start(), m.end()) for m, low in zip(found, lows, strict=True)]
    every = find_mentions(tokens, people)
    mentions = [m for m in every if m.kind != "unknown"]
    hits: dict[str, Hit] = {}
    for hit in judgements(tokens, {m.start for m in mentions}):
        hits.setdefault(hit.category, hit)
    for hit in possessives(tokens, mentions):
        hits.setdefault(hit.category, hit)
    for hit in owned_failures(tokens, mentions):
        hits.setdefault(hit.category, hit)
    for hit in causes(tokens, mentions):
        hits.setdefault(hit.category, hit)
    conditional = system_condition(tokens, mentions)
    for mention in mentions:
        mode = subject_mode(tokens, mention)
        if mode is not None:
            for hit in predicate(tokens, mention, mode, conditional):
                hits.setdefault(hit.category, hit)
    if OMISSION not in hits:
        for hit in harms(tokens, every):
            hits.setdefault(hit.category, hit)
            break
    if not hits:
        for hit in changes(tokens, every):
            hits.setdefault(hit.category, hit)
            break
    return [hits[c] for c in CATEGORIES if c in hits]


def _modal_of(lows: list[str]) -> list[str]:
    """Read "should of", "could of" (how "should've" is often written) as "should have"."""
    for at in range(1, len(lows)):
        if lows[at] == "of" and lows[at - 1] in _MODALS_OF:
            lows[at] = "have"
    return lows


_MODALS_OF = frozenset({"should", "could", "would", "must", "might"})

"""The blameless-language check: finds sentences that read as blaming a person.

Rules are data (``postmortems/blameless-rules.yaml``, extendable by teams). A rule's ``pattern``
is a regular expression matched case-insensitively within one sentence; the placeholder
``{person}`` stands for any reference to a person: a name or id from ``people`` (matched
case-sensitively, so the name "Will" is not the word "will"), an ``@name`` mention or a Slack
mention ``<@U123>``. So ``{person}\\s+(?:forgot|broke)`` flags a named person as the subject of a
failure verb, while "the deploy broke checkout" stays clean.

Sentences are found per line (table cells separately) and split at ``.``, ``!`` or ``?``
followed by a space; fenced code blocks are skipped. A finding's ``start``/``end`` are offsets of
the matched words in the checked text, so a page can highlight them in place. Quoted text
(``"..."``, ``“...”``, a code span) is not read: it reports what someone or something said. A
rule with
``subject: person`` ignores a match whose subject is a thing in the active voice ("the
autoscaler neglected queue depth"); a person, a pronoun, a passive or no subject still counts.
A rule with ``model: true`` turns on the trained model (``blame_model``) for the sentences no
other rule flagged (its finding spans the whole sentence), and has it confirm the grammar's
``change`` finding where that is a sentence's only one: a person's change to a live system is
blame where the sentence reads like blame, not in "opened a bridge and restarted the pods".
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace

from bot.postmortems.domain.blame.cues import LINE_CUES, cue_chunks
from bot.postmortems.domain.blame.grammar import analyse
from bot.postmortems.domain.blame.hits import CHANGE
from bot.postmortems.domain.blame.people import People
from bot.postmortems.domain.blame.subjects import thing_subject
from bot.postmortems.domain.blame.words import blank_quotes
from bot.postmortems.domain.blame_model import Reader
from bot.postmortems.domain.prefilter import required_literals
from bot.postmortems.domain.sections import TITLE, located
from bot.postmortems.domain.sentences import SentenceIndex

PERSON = "{person}"
_MENTIONS = r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>|(?<![\w.])@[\w][\w.-]*"


class InvalidRule(ValueError):
    """A rule whose pattern does not compile; the message names the rule."""


@dataclass(frozen=True)
class Rule:
    """A regex rule (``pattern``) or one category of the blame grammar (``grammar``, see
    ``blame.hits.CATEGORIES``): data either way, so a team file can replace or switch off
    either kind by its id."""

    id: str
    pattern: str
    why: str
    hint: str
    grammar: str = ""
    subject: str = ""  # "person": a match whose subject is a thing is not blame
    model: bool = False  # the trained model (``blame_model``), for what the rest misses


@dataclass(frozen=True)
class Finding:
    """One blameful phrase: the rule, its sentence, why it reads as blame and how to reword it.

    ``section`` is the id of the Markdown section (see ``sections``) holding the sentence, or
    None when the text has no sections; ``start``/``end`` locate the match in the checked text.
    """

    rule: str
    sentence: str
    why: str
    hint: str
    section: str | None
    start: int
    end: int
    sentence_start: int = field(default=0, compare=False)


def compile_rule(rule: Rule, people: Sequence[str] = ()) -> re.Pattern[str]:
    """The rule's regular expression with ``{person}`` expanded; ``InvalidRule`` if it is bad."""
    try:
        return re.compile(rule.pattern.replace(PERSON, person_pattern(people)), re.IGNORECASE)
    except re.error as error:
        raise InvalidRule(f"rule {rule.id!r}: the pattern is not a valid regex: {error}") from None


def person_pattern(people: Sequence[str]) -> str:
    """Mentions always; names and ids as whole words, longest first, case-sensitive."""
    names = sorted({p.strip().lstrip("@") for p in people if p.strip()}, key=len, reverse=True)
    words = "|".join(re.escape(n) for n in names)
    named = rf"|(?-i:(?<![\w@])(?:{words})(?!\w))" if words else ""
    return f"(?:{_MENTIONS}{named})"


def check(markdown: str, rules: Sequence[Rule], people: Sequence[str] = ()) -> list[Finding]:
    """Every rule match in ``markdown``, in text order (one finding per rule and sentence).

    Each rule only reads the lines holding a word its every match must contain (``prefilter``).
    """
    index = SentenceIndex(markdown)
    folded = markdown.casefold()  # as IGNORECASE compares (long s is s)
    same_offsets = len(folded) == len(markdown)  # else (``ß`` -> ``ss``) read every sentence
    findings: list[Finding] = []
    known = People(people)
    for rule in rules:
        if rule.grammar or rule.model:
            continue
        pattern = compile_rule(rule, people)
        words = required_literals(pattern) if same_offsets else None
        candidates = index.all() if words is None else index.containing(folded, words)
        for start, sentence in candidates:
            match = pattern.search(blank_quotes(sentence))  # a quote reports what was said
            if match is not None and not (
                rule.subject == "person" and thing_subject(sentence, match.start(), known)
            ):
                findings.append(
                    Finding(
                        rule.id,
                        sentence,
                        rule.why,
                        rule.hint,
                        None,
                        start + match.start(),
                        start + match.end(),
                        start,
                    )
                )
    grammar = {rule.grammar: rule for rule in rules if rule.grammar}
    if grammar:
        flagged = {f.sentence_start for f in findings}
        # Only sentences holding one of the grammar's cue words can be flagged by it.
        if same_offsets:
            chunks = cue_chunks(folded)
            groups = [[chunks[bit] for bit in group] for group in LINE_CUES]
            candidates = index.with_chunks(folded, groups)
        else:
            candidates = index.all()
        findings += _grammar(candidates, grammar, known, flagged)
    model = next((rule for rule in rules if rule.model), None)
    if model is not None:
        reader = Reader(people)
        changes = {rule.id for rule in grammar.values() if rule.grammar == CHANGE}
        findings = _confirmed(findings, changes, reader)
        findings += _model(index, model, reader, {f.sentence_start for f in findings})
    return _in_sections(markdown, sorted(findings, key=lambda f: (f.start, f.end)))


def _grammar(
    candidates: Iterable[tuple[int, str]],
    rules: Mapping[str, Rule],
    people: People,
    flagged: set[int],
) -> Iterator[Finding]:
    """The grammar's findings in sentences no regex rule flagged: one per category."""
    for start, sentence in candidates:
        if start in flagged:
            continue
        for hit in analyse(sentence, people):
            rule = rules.get(hit.category)
            if rule is not None:
                why = f'{rule.why} ("{hit.words}")' if hit.words else rule.why
                yield Finding(
                    rule.id,
                    sentence,
                    why,
                    rule.hint,
                    None,
                    start + hit.start,
                    start + hit.end,
                    start,
                )


def _confirmed(findings: list[Finding], changes: set[str], reader: Reader) -> list[Finding]:
    """The findings without the grammar's ``change`` ones that are their sentence's only
    finding and that the model does not confirm (a person's change is blame only in a sentence
    that reads like blame)."""
    others = {f.sentence_start for f in findings if f.rule not in changes}
    return [
        f
        for f in findings
        if f.rule not in changes or f.sentence_start in others or reader.confirms(f.sentence)
    ]


def _model(
    index: SentenceIndex, rule: Rule, reader: Reader, flagged: set[int]
) -> Iterator[Finding]:
    """The model's findings in sentences no other rule flagged, each naming the words that
    weighed most towards blame."""
    for reading in reader.read(index, flagged):
        words = ", ".join(f'"{w}"' for w in reading.words)
        why = f"{rule.why} (words that weighed most: {words})" if words else rule.why
        end = reading.start + len(reading.sentence)
        yield Finding(
            rule.id, reading.sentence, why, rule.hint, None, reading.start, end, reading.start
        )


def sentences(markdown: str) -> Iterator[tuple[int, str]]:
    """``(offset, sentence)`` for every sentence outside code fences, stripped of spaces."""
    return SentenceIndex(markdown).all()


def _in_sections(markdown: str, findings: list[Finding]) -> list[Finding]:
    if not findings:
        return findings
    starts = [(start, section.id) for start, section in located(markdown)]
    if len(starts) == 1 and starts[0][1] == TITLE:
        return findings
    return [replace(f, section=_section_at(starts, f.start)) for f in findings]


def _section_at(starts: list[tuple[int, str]], offset: int) -> str:
    return next(section for start, section in reversed(starts) if start <= offset)

"""How well the blameless check tells blame from plain description, and how fast it is.

The corpus (``bench/blameless_corpus/``) is post-mortem prose labelled sentence by sentence:
``dev.yaml`` is what the checker was tuned on, ``heldout.yaml`` was written before the checker
changed, ``heldout2.yaml`` after its first version, with new names and words, and
``heldout3.yaml`` blind to the word lists, in other writing styles, and ``heldout4.yaml``,
``heldout5.yaml`` to ``heldout14.yaml`` and ``trainA.yaml`` to ``trainAH.yaml`` by authors who
never saw the checker; the held-out parts are scored, and their first score is the blind one
(the train parts give theirs in their header). ``drafts.yaml`` is warroom's own text, none of
it blame: every sentence shape of the drafted post-mortem below (``--write-drafts`` writes it
again after a template change). Each sentence is checked on its own
with the shipped rules and the file's ``people`` (responders' names, Slack ids and display
names); a sentence counts as flagged when the check finds anything in it.

For each part: precision and recall over blameful sentences, the false-positive rate over
blameless ones, and per category the share flagged (recall for a blameful category, false
positives for a blameless one), for the whole check and without the trained model (the
``model: true`` rule, ``blame_model``; note that the shipped model was trained on every part
here, so only ``bench.blameless_model``'s leave-one-part-out figures say how it does on new
writing). Then the time to check a drafted post-mortem of an incident with
``--events`` timeline events (the draft ``bench.postmortem`` builds), best and median of
``--runs``.

    python -m bench.blameless
    python -m bench.blameless --misses dev     # list the dev sentences it gets wrong
"""

from __future__ import annotations

import argparse
import gzip
import random
import re
import statistics
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.postmortems.domain.blame_model import short
from bot.postmortems.domain.blameless import Rule, check, sentences
from bot.postmortems.drafting import DraftingSetup

CORPUS = Path(__file__).parent / "blameless_corpus"
# Parts written blind for a later session to score once (gzip, so a grep or a glance at the
# tree does not read them); see bench/blameless_sealed/README.md.
SEALED = Path(__file__).parent / "blameless_sealed"
PARTS = (
    "dev",
    "heldout",
    "heldout2",
    "heldout3",
    "heldout4",
    "heldout5",
    "heldout6",
    "heldout7",
    "heldout8",
    "heldout9",
    "heldout10",
    "heldout11",
    "heldout12",
    "heldout13",
    "heldout14",
    "heldout15",
    "heldout16",
    "heldout17",
    "heldout18",
    "heldout19",
    "heldout20",
    "heldout21",
    "heldout22",
    "trainA",
    "trainB",
    "trainC",
    "trainD",
    "trainE",
    "trainF",
    "trainG",
    "trainH",
    "trainI",
    "trainJ",
    "trainK",
    "trainL",
    "trainM",
    "trainN",
    "trainO",
    "trainP",
    "trainQ",
    "trainR",
    "trainS",
    "trainT",
    "trainU",
    "trainV",
    "trainW",
    "trainX",
    "trainY",
    "trainZ",
    "trainAA",
    "trainAB",
    "trainAC",
    "trainAD",
    "trainAE",
    "trainAF",
    "trainAG",
    "trainAH",
    "trainAI",
    "trainAJ",
    "trainAK",
    "trainAL",
    "trainAM",
    "trainAN",
    "trainAO",
    "drafts",
)
SHIPPED = Path(__file__).parents[1] / "postmortems"


@dataclass(frozen=True)
class Labelled:
    text: str
    blameful: bool
    category: str


@dataclass(frozen=True)
class Part:
    name: str
    people: list[str]
    sentences: list[Labelled]


def load(name: str) -> Part:
    return _part(name, (CORPUS / f"{name}.yaml").read_text(encoding="utf-8"))


def _part(name: str, text: str) -> Part:
    data = yaml.safe_load(text)
    sentences = [Labelled(s["text"], bool(s["blameful"]), s["category"]) for s in data["sentences"]]
    return Part(name, list(data["people"]), sentences)


def score_sealed(rules: Sequence[Rule]) -> list[str]:
    """Each sealed part's recall and false positives, grammar alone and whole check, and
    nothing of its sentences: a sealed part is scored once, then joins the corpus."""
    lines = []
    for path in sorted(SEALED.glob("*.yaml.gz")):
        name = path.name.removesuffix(".yaml.gz")
        part = _part(name, gzip.decompress(path.read_bytes()).decode("utf-8"))
        labels = [s.blameful for s in part.sentences]
        cells = []
        for flags in (flagged(part, [r for r in rules if not r.model]), flagged(part, rules)):
            tp = sum(1 for f, y in zip(flags, labels, strict=True) if f and y)
            fp = sum(1 for f, y in zip(flags, labels, strict=True) if f and not y)
            cells.append(f"{tp / sum(labels):6.1%} / {fp / (len(labels) - sum(labels)):5.1%}")
        lines.append(f"{name}: grammar {cells[0]}   check {cells[1]}")
    return lines


def flagged(part: Part, rules: Sequence[Rule]) -> list[bool]:
    return [bool(check(s.text, rules, part.people)) for s in part.sentences]


def report(part: Part, found: list[bool], alone: list[bool]) -> list[str]:
    """Figures of the whole check (``found``) and, beside them, of the check without the
    trained model (``alone``: pattern rules and grammar)."""
    blameful = sum(1 for s in part.sentences if s.blameful)
    blameless = len(part.sentences) - blameful
    lines = [f"{part.name}: {len(found)} sentences ({blameful} blameful, {blameless} blameless)"]
    for label, flags in (("check", found), ("without model", alone)):
        pairs = list(zip(part.sentences, flags, strict=True))
        tp = sum(1 for s, f in pairs if s.blameful and f)
        fp = sum(1 for s, f in pairs if not s.blameful and f)
        precision = tp / (tp + fp) if tp + fp else 1.0
        lines.append(
            f"  {label:<14}precision {precision:6.1%}   recall {tp / max(blameful, 1):6.1%} "
            f"({tp}/{blameful})   false positives {fp / blameless:6.1%} ({fp}/{blameless})"
        )
    lines.append(
        f"  {'category':<24}{'kind':<10}{'n':>4}{'flagged':>9}{'share':>8}{'without model':>16}"
    )
    categories: dict[tuple[bool, str], list[tuple[bool, bool]]] = {}
    for sentence, hit, plain in zip(part.sentences, found, alone, strict=True):
        categories.setdefault((not sentence.blameful, sentence.category), []).append((hit, plain))
    for (blameless_kind, category), hits in sorted(categories.items()):
        kind = "blameless" if blameless_kind else "blameful"
        measure = "fp" if blameless_kind else "recall"
        flagged_ = sum(h for h, _ in hits)
        plain = sum(p for _, p in hits)
        lines.append(
            f"  {category:<24}{kind:<10}{len(hits):>4}{flagged_:>9}"
            f"{flagged_ / len(hits):>8.0%}{plain / len(hits):>16.0%} {measure}"
        )
    return lines


def misses(part: Part, found: list[bool], rules: Sequence[Rule]) -> list[str]:
    lines = []
    for sentence, hit in zip(part.sentences, found, strict=True):
        if hit == sentence.blameful:
            continue
        what = "missed" if sentence.blameful else "false positive"
        reasons = {f.rule for f in check(sentence.text, rules, part.people)}
        lines.append(f"  {what:<15}{sentence.category:<24}{sentence.text}  {sorted(reasons)}")
    return lines


def draft_markdown(events: int) -> tuple[str, list[str]]:
    """The rendered ``default`` draft of ``bench.postmortem``'s incident, and its people."""
    from bench.postmortem import _CONFIG, _TEMPLATES, NAMES, _record
    from bot.kernel.storage.db import make_engine, make_session_factory
    from bot.kernel.storage.migrate import upgrade_to_head
    from bot.postmortems.domain.inputs import build_inputs
    from bot.postmortems.drafting import read_record

    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.db")
        upgrade_to_head(engine)
        sessions = make_session_factory(engine)
        _record(sessions, events, random.Random(7))
        with sessions() as session:
            record = read_record(session, 1)
        engine.dispose()
    inputs = build_inputs(
        record.incident, record.timeline, record.action_items, _CONFIG.time_zone, NAMES
    )
    return _TEMPLATES.render("default", inputs), inputs.people


def write_drafts(events: int = 10_000) -> None:
    """``drafts.yaml``: one sentence per shape (digits aside) of the drafted post-mortem, all
    blameless, but those too short for the model (a cell, a heading word)."""
    markdown, people = draft_markdown(events)
    shapes: dict[str, str] = {}
    for _, sentence in sentences(markdown):
        if not short(sentence):
            shapes.setdefault(re.sub(r"\d+", "0", sentence), sentence)
    rows = [{"text": s, "blameful": False, "category": "draft"} for s in shapes.values()]
    data = yaml.safe_dump(
        {"people": people, "sentences": rows}, sort_keys=False, allow_unicode=True, width=1000
    )
    (CORPUS / "drafts.yaml").write_text(_DRAFTS_HEADER + data, encoding="utf-8")


_DRAFTS_HEADER = """\
# Part drafts of the blameless-check corpus: warroom's own text, every sentence of the drafted
# post-mortem of bench.postmortem's incident (default template, 10,000 timeline events) with at
# least three words, one per shape (digits aside). None is blame: the check must not flag what
# warroom writes itself (headings, prompts, role lists, timeline rows, the incident's own
# description). Written by `python -m bench.blameless --write-drafts`.
"""


def timing(events: int, runs: int, rules: Sequence[Rule]) -> list[str]:
    markdown, people = draft_markdown(events)
    lines = [
        f"timing: draft of {events:,} events ({len(markdown):,} characters, "
        f"{markdown.count(chr(10)):,} lines), best and median of {runs} runs"
    ]
    patterns = [rule for rule in rules if not rule.grammar and not rule.model]
    unmodelled = [rule for rule in rules if not rule.model]
    for label, chosen in (
        ("check", rules),
        ("without model", unmodelled),
        ("pattern rules only", patterns),
    ):
        check(markdown, chosen, people)  # warm-up: compiled patterns, caches
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            findings = check(markdown, chosen, people)
            times.append(time.perf_counter() - began)
        lines.append(
            f"  {label:<20}best {min(times) * 1000:4.0f} ms, median "
            f"{statistics.median(times) * 1000:4.0f} ms, {len(findings)} findings"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.blameless", description=__doc__)
    parser.add_argument("--events", type=int, default=10_000, help="timeline events (10,000)")
    parser.add_argument("--runs", type=int, default=10, help="timed checks of the draft (10)")
    parser.add_argument("--misses", choices=PARTS, help="list one part's wrong answers")
    parser.add_argument("--no-timing", action="store_true", help="skip the draft timing")
    parser.add_argument(
        "--write-drafts", action="store_true", help="write drafts.yaml from the templates"
    )
    parser.add_argument(
        "--score-sealed", action="store_true", help="score the sealed parts (once), figures only"
    )
    args = parser.parse_args(argv)
    if args.write_drafts:
        write_drafts()
        return 0
    rules = DraftingSetup.load(SHIPPED).rules
    if args.score_sealed:
        print("\n".join(score_sealed(rules)))
        return 0
    for name in PARTS:
        part = load(name)
        found = flagged(part, rules)
        alone = flagged(part, [rule for rule in rules if not rule.model])
        print("\n".join(report(part, found, alone)))
        if args.misses == name:
            print("\n".join(misses(part, found, rules)))
        print()
    if not args.no_timing:
        print("\n".join(timing(args.events, args.runs, rules)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

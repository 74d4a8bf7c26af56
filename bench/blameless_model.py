"""Whether a small trained model beside the blame grammar finds blame the grammar misses.

Each corpus part (``bench/blameless_corpus/``) is scored by a model trained on the *other*
parts (leave one part out), so every figure is on writing the model never saw. The model is a
logistic regression (scikit-learn, the ``dev`` extra) over ``blame_model.Reader.features``:
words and word pairs with people written ``PERSON``, and grammar signals. Its threshold is chosen
by the same leave-one-part-out inside the training parts: the lowest probability at which the
model adds at most ``--budget`` false positives (share of blameless sentences) to the grammar's
there. As in the check, the model leaves short sentences, stated purposes and changes framed as
responses alone.

Per part it prints recall, false positives and precision of the grammar alone (the shipped rules
without the model), the model alone and the two combined (a sentence is flagged when the grammar
finds something or the model's probability reaches the threshold). ``--without g:`` and the
like leave features out, for experiments.

    python -m bench.blameless_model              # the leave-one-part-out table
    python -m bench.blameless_model --parts heldout6 --budget 0.01
    python -m bench.blameless_model --write      # train on every part, write the shipped weights
    python -m bench.blameless_model --check      # exit 1 if the shipped weights are not what
                                                 # training on the corpus gives
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass

from bench.blameless import PARTS, SHIPPED, Part, load
from bot.postmortems.domain.blame_model import SKIPS, WEIGHTS, Model, Reader, short
from bot.postmortems.domain.blameless import check
from bot.postmortems.drafting import DraftingSetup

C = 1.0  # inverse regularisation strength: chosen by the leave-one-part-out table
BUDGET = 0.0025  # the false positives the model may add, as a share of blameless sentences
MIN_COUNT = 2  # a feature must occur in this many training sentences
DIGITS = 4


@dataclass(frozen=True)
class Scored:
    """One part's sentences with their features, labels and the grammar's verdicts."""

    name: str
    features: list[list[str]]
    labels: list[bool]
    grammar: list[bool]
    categories: list[str]
    short: list[bool]  # too few words for the model to read


def scored(part: Part) -> Scored:
    rules = [rule for rule in DraftingSetup.load(SHIPPED).rules if not rule.model]
    reader = Reader(part.people)
    return Scored(
        part.name,
        [reader.features(s.text) for s in part.sentences],
        [s.blameful for s in part.sentences],
        [bool(check(s.text, rules, part.people)) for s in part.sentences],
        [s.category for s in part.sentences],
        [short(s.text) for s in part.sentences],
    )


def _without(part: Scored, prefixes: tuple[str, ...]) -> Scored:
    """The part with the features starting with one of ``prefixes`` left out (experiments)."""
    if not prefixes:
        return part
    kept = [[f for f in row if not f.startswith(prefixes)] for row in part.features]
    return Scored(part.name, kept, part.labels, part.grammar, part.categories, part.short)


def train(parts: Sequence[Scored], c: float = C) -> tuple[float, dict[str, float]]:
    """Bias and weights of the regression on ``parts`` (deterministic: L-BFGS from zero)."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    rows = [f for p in parts for f in p.features]
    labels = [y for p in parts for y in p.labels]
    counts: dict[str, int] = {}
    for row in rows:
        for f in set(row):
            counts[f] = counts.get(f, 0) + 1
    kept = [{f: 1 for f in row if counts[f] >= MIN_COUNT} for row in rows]
    vectors = DictVectorizer(sort=True)
    matrix = vectors.fit_transform(kept)
    model = LogisticRegression(C=c, solver="lbfgs", max_iter=5000)
    model.fit(matrix, labels)
    names = vectors.get_feature_names_out()
    weights = {
        str(name): round(float(w), DIGITS)
        for name, w in zip(names, model.coef_[0], strict=True)
        if round(float(w), DIGITS) != 0.0
    }
    return round(float(model.intercept_[0]), DIGITS), weights


def probabilities(bias: float, weights: dict[str, float], part: Scored) -> list[float]:
    model = Model(bias, weights, 0.5)
    return [
        0.0 if short or not SKIPS.isdisjoint(row) else model.probability(row)
        for row, short in zip(part.features, part.short, strict=True)
    ]


def threshold(parts: Sequence[Scored], c: float, budget: float) -> float:
    """The lowest threshold at which, out of fold (each training part scored by a model trained
    on the others), the model adds at most ``budget`` false positives to the grammar's."""
    negatives: list[float] = []  # blameless sentences the grammar left alone
    blameless = 0
    for held in parts:
        bias, weights = train([p for p in parts if p is not held], c)
        for p, y, g in zip(
            probabilities(bias, weights, held), held.labels, held.grammar, strict=True
        ):
            if not y:
                blameless += 1
                if not g:
                    negatives.append(p)
    allowed = int(budget * blameless)
    ranked = sorted(negatives, reverse=True)
    # Flag strictly above the (allowed+1)-th highest blameless score.
    return round(ranked[allowed] + 1e-6, 6) if allowed < len(ranked) else 0.5


def rates(flags: Sequence[bool], labels: Sequence[bool]) -> tuple[float, float, float]:
    tp = sum(1 for f, y in zip(flags, labels, strict=True) if f and y)
    fp = sum(1 for f, y in zip(flags, labels, strict=True) if f and not y)
    pos = sum(labels)
    neg = len(labels) - pos
    return tp / pos, fp / neg, tp / (tp + fp) if tp + fp else 1.0


def leave_one_part_out(
    parts: Sequence[Scored], c: float, budget: float, only: Sequence[str] = ()
) -> list[str]:
    lines = [
        f"leave one part out (C={c}, budget {budget:.2%}); recall / false positives / precision",
        f"{'part':<10}{'threshold':>10}  {'grammar':<22}{'model':<22}{'grammar or model':<22}",
    ]
    totals: dict[str, list[bool]] = {"grammar": [], "model": [], "combined": [], "labels": []}
    for held in parts:
        if only and held.name not in only:
            continue
        rest = [p for p in parts if p is not held]
        cut = threshold(rest, c, budget)
        bias, weights = train(rest, c)
        model = [p >= cut for p in probabilities(bias, weights, held)]
        combined = [g or m for g, m in zip(held.grammar, model, strict=True)]
        cells = [_cell(rates(flags, held.labels)) for flags in (held.grammar, model, combined)]
        lines.append(f"{held.name:<10}{cut:>10.3f}  " + "".join(f"{c:<22}" for c in cells))
        totals["grammar"] += held.grammar
        totals["model"] += model
        totals["combined"] += combined
        totals["labels"] += held.labels
    cells = [_cell(rates(totals[k], totals["labels"])) for k in ("grammar", "model", "combined")]
    lines.append(f"{'all':<10}{'':>10}  " + "".join(f"{c:<22}" for c in cells))
    return lines


def _cell(figures: tuple[float, float, float]) -> str:
    recall, fp, precision = figures
    return f"{recall:5.1%} {fp:5.1%} {precision:5.1%}"


def shipped_weights(parts: Sequence[Scored], c: float = C, budget: float = BUDGET) -> str:
    """The weights file's text: trained on every part, threshold by leave-one-part-out."""
    cut = threshold(parts, c, budget)
    bias, weights = train(parts, c)
    data = {
        "trained_on": [p.name for p in parts],
        "c": c,
        "budget": budget,
        "threshold": cut,
        "bias": bias,
        "weights": dict(sorted(weights.items())),
    }
    return json.dumps(data, indent=0, sort_keys=False, ensure_ascii=False) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.blameless_model", description=__doc__)
    parser.add_argument("-C", type=float, default=C, help=f"regularisation ({C})")
    parser.add_argument("--budget", type=float, default=BUDGET, help=f"({BUDGET})")
    parser.add_argument(
        "--without", action="append", default=[], help="leave out features with this prefix"
    )
    parser.add_argument("--parts", nargs="*", default=(), help="score only these parts")
    parser.add_argument("--write", action="store_true", help="write the shipped weights")
    parser.add_argument("--check", action="store_true", help="compare the shipped weights")
    args = parser.parse_args(argv)
    parts = [_without(scored(load(name)), tuple(args.without)) for name in PARTS]
    if args.write or args.check:
        text = shipped_weights(parts, args.C, args.budget)
        if args.check:
            same = WEIGHTS.exists() and WEIGHTS.read_text(encoding="utf-8") == text
            print("shipped weights match training" if same else f"{WEIGHTS} differs: retrain")
            return 0 if same else 1
        WEIGHTS.write_text(text, encoding="utf-8")
        print(f"wrote {WEIGHTS}")
        return 0
    print("\n".join(leave_one_part_out(parts, args.C, args.budget, args.parts)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

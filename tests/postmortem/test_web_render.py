"""The review page's HTML pieces and signed links, without a browser: escaping, highlights that
survive Markdown (or step aside), diffs, and links that are signed, scoped and expire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.postmortems.domain.blameless import Rule, check
from bot.postmortems.domain.sections import split
from bot.postmortems.web.html import diff_html, sections_html
from bot.postmortems.web.links import LinkCheck, ReviewLinks, derived_secret

FORGOT = Rule("forgot", r"{person}\s+forgot", "A person is the subject of a failure.", "Reword.")
HUMAN = Rule("human", r"human error", "A label, not an explanation.", "Ask what made it likely.")
DOC = """# Post-mortem: Checkout slow

## Summary

- Bob forgot to warm the cache before launch.
- The cache was cold.

## Contributing factors

It was human error, and Bob forgot to check. The alert was late.
"""


def rendered(markdown: str, *rules: Rule) -> list[str]:
    sections = split(markdown)
    findings = check(markdown, rules, ["Bob"])
    return [s.html for s in sections_html(sections, findings)]


def test_findings_are_highlighted_as_sentences_and_numbered_across_sections() -> None:
    sections = split(DOC)
    found = sections_html(sections, check(DOC, [FORGOT, HUMAN], ["Bob"]))
    assert [(s.id, [h.number for h in s.highlights]) for s in found] == [
        ("title", []),
        ("summary", [1]),
        ("contributing-factors", [2, 3]),
    ]
    summary, factors = found[1].html, found[2].html
    assert (
        '<li><mark class="finding" id="finding-1">Bob forgot to warm the cache before launch.'
        '</mark><sup><a href="#why-1">1</a></sup></li>'
    ) in summary
    assert (
        '<mark class="finding" id="finding-2">It was human error, and Bob forgot to check.'
        in factors
    )
    assert (
        '<sup><a href="#why-2">2</a>, <a href="#why-3">3</a></sup> The alert was late.' in factors
    )


def test_markdown_cannot_inject_html_or_scripts() -> None:
    [html] = rendered("<script>alert(1)</script> [x](javascript:alert(1)) <b onclick=x>hi</b>\n")
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'href="javascript' not in html
    assert "&lt;b onclick=x&gt;hi&lt;/b&gt;" in html


def test_a_finding_that_starts_inside_an_attribute_is_listed_but_not_marked_inline() -> None:
    doc = "## Summary\n\n![Cache cold. Bob forgot the cache](graph.png)\n"
    [_, summary] = sections_html(split(doc), check(doc, [FORGOT], ["Bob"]))
    assert [h.finding.sentence for h in summary.highlights] == ["Bob forgot the cache](graph.png)"]
    assert "<mark" not in summary.html
    assert '<img src="graph.png" alt="Cache cold. Bob forgot the cache" />' in summary.html


def test_the_diff_marks_added_and_removed_lines_and_escapes_them() -> None:
    out = diff_html("a\n<b>old</b>\nc\n", "a\n<i>new</i>\nc\n", "version 1", "version 2")
    assert '<span class="del">-&lt;b&gt;old&lt;/b&gt;</span>' in out
    assert '<span class="add">+&lt;i&gt;new&lt;/i&gt;</span>' in out
    assert '<span class="meta">--- version 1</span>' in out
    assert diff_html("same\n", "same\n", "a", "b") == '<p class="quiet">No differences.</p>'


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_links_are_signed_per_incident_and_expire() -> None:
    clock = Clock()
    links = ReviewLinks("https://warroom.example/", b"secret", timedelta(hours=2), clock)
    url = links.url(7)
    assert url.startswith("https://warroom.example/postmortems/7?expires=")
    query = dict(part.split("=") for part in url.split("?")[1].split("&"))
    assert links.check(7, query["expires"], query["sig"]) is LinkCheck.VALID
    assert links.check(8, query["expires"], query["sig"]) is LinkCheck.UNSIGNED
    later = str(int(query["expires"]) + 3600)
    assert links.check(7, later, query["sig"]) is LinkCheck.UNSIGNED
    assert links.check(7, None, None) is LinkCheck.UNSIGNED
    assert links.check(7, "soon", query["sig"]) is LinkCheck.UNSIGNED
    other = ReviewLinks("https://warroom.example", b"rotated", timedelta(hours=2), clock)
    assert other.check(7, query["expires"], query["sig"]) is LinkCheck.UNSIGNED
    clock.now += timedelta(hours=2, seconds=1)
    assert links.check(7, query["expires"], query["sig"]) is LinkCheck.EXPIRED


def test_the_derived_secret_is_not_the_signing_secret() -> None:
    assert derived_secret("slack-signing") != b"slack-signing"
    assert derived_secret("slack-signing") == derived_secret("slack-signing")
    assert derived_secret("slack-signing") != derived_secret("another")

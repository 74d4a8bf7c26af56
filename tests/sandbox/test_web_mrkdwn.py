"""Slack's mrkdwn rendered as the Slack client shows it, and never as raw HTML."""

from __future__ import annotations

import pytest

from tests.sandbox.web_helpers import NOW, directory
from warroom_sandbox.seed import BOB, LEAD, ONCALL
from warroom_sandbox.web.mrkdwn import mrkdwn, plain


def render(text: str, viewer: str = ONCALL) -> str:
    return str(mrkdwn(text, directory(viewer)))


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("*bold*", "<b>bold</b>"),
        ("_italic_", "<i>italic</i>"),
        ("~gone~", "<s>gone</s>"),
        ("a *b* and _c_", "a <b>b</b> and <i>c</i>"),
        ("snake_case_name stays", "snake_case_name stays"),
        ("2*3*4", "2*3*4"),
        ("`x = *y*`", '<code class="md-code">x = *y*</code>'),
        ("line one\nline two", "line one<br>line two"),
    ],
)
def test_formatting(text: str, html: str) -> None:
    assert render(text) == html


def test_everything_from_the_bot_is_escaped() -> None:
    html = render('<script>alert(1)</script> & "quotes" <img src=x onerror=alert(1)>')
    assert "<script" not in html
    assert "<img" not in html
    assert "&amp;" in html


def test_slack_entities_are_shown_as_their_characters() -> None:
    assert render("a &lt;b&gt; &amp; c") == "a &lt;b&gt; &amp; c"


def test_fenced_code_is_preformatted_and_not_formatted() -> None:
    html = render("before\n```SELECT *\nFROM t_1_```\nafter")
    assert '<pre class="md-pre">SELECT *\nFROM t_1_</pre>' in html
    assert html.startswith("before")
    assert html.endswith("after")


def test_quotes() -> None:
    html = render("&gt; quoted *text*\n> second\nplain")
    assert html == ('<blockquote class="md-quote">quoted <b>text</b><br>second</blockquote>plain')


def test_user_mentions_use_names_and_highlight_the_viewer() -> None:
    html = render(f"<@{LEAD}> paged <@{ONCALL}|olivia>", viewer=ONCALL)
    assert f'<span class="mention" data-user="{LEAD}">@Liam</span>' in html
    assert f'<span class="mention me" data-user="{ONCALL}">@Olivia</span>' in html


def test_unknown_user_and_channel_fall_back_to_the_label() -> None:
    html = render("<@U999|ghost> in <#C999|secret>")
    assert "@ghost" in html
    assert "#secret" in html


def test_channel_mentions_link_to_the_channel() -> None:
    html = render("see <#C0GENERAL>")
    assert 'data-channel="C0GENERAL">#general</a>' in html


def test_links_only_for_safe_schemes() -> None:
    assert 'href="https://example.com/a?b=1&amp;c=2"' in render(
        "<https://example.com/a?b=1&amp;c=2|docs>"
    )
    assert ">docs</a>" in render("<https://example.com|docs>")
    assert "href" not in render("<javascript:alert(1)|click me>")
    assert "click me" in render("<javascript:alert(1)|click me>")


def test_bare_urls_are_linked() -> None:
    html = render("runbook: https://wiki.example.com/runbooks/checkout.")
    assert '<a class="md-link" href="https://wiki.example.com/runbooks/checkout"' in html
    assert html.endswith("</a>.")


def test_broadcasts_and_subteams() -> None:
    assert "@here" in render("<!here>")
    assert "@channel" in render("<!channel|channel>")
    assert "@sre-team" in render("<!subteam^S123|@sre-team>")


def test_known_emoji_are_drawn_and_unknown_names_and_times_stay() -> None:
    html = render(":pushpin: :rotating_light: :party_parrot: at 14:00:00")
    assert "📌" in html
    assert "🚨" in html
    assert ":party_parrot:" in html
    assert "14:00:00" in html


def test_date_tokens_in_the_viewers_time_zone() -> None:
    stamp = int(NOW)
    token = f"<!date^{stamp}^{{date_num}} {{time}}|2023-11-14 22:13 UTC>"
    assert ">2023-11-14 11:13 PM</time>" in render(token, viewer=ONCALL)  # Europe/Berlin
    assert ">2023-11-14 5:13 PM</time>" in render(token, viewer=LEAD)  # America/New_York
    assert 'title="2023-11-14 22:13 UTC"' in render(token)


def test_pretty_dates_say_today_and_yesterday() -> None:
    stamp = int(NOW)
    assert ">today 2:13 PM<" in render(f"<!date^{stamp}^{{date_short_pretty}} {{time}}|x>", BOB)
    yesterday = stamp - 86400
    assert ">yesterday<" in render(f"<!date^{yesterday}^{{date_pretty}}|x>", BOB)
    assert ">November 12th, 2023<" in render(f"<!date^{stamp - 2 * 86400}^{{date_pretty}}|x>", BOB)


def test_long_dates_and_ago() -> None:
    stamp = int(NOW)
    assert ">Tuesday, November 14th, 2023<" in render(f"<!date^{stamp}^{{date_long}}|x>", BOB)
    assert ">Nov 14, 2023<" in render(f"<!date^{stamp}^{{date_short}}|x>", BOB)
    assert ">3 minutes ago<" in render(f"<!date^{stamp - 180}^{{ago}}|x>")


def test_unknown_date_tokens_show_the_fallback() -> None:
    assert render("<!date^1700000000^{nonsense}|the fallback>") == "the fallback"
    assert render("<!date^notanumber^{date}|fallback 2>") == "fallback 2"


def test_date_with_link() -> None:
    html = render("<!date^1700000000^{date_num}^https://example.com/e|x>")
    assert html.startswith('<a class="md-link" href="https://example.com/e"')


def test_plain_text_escapes_and_draws_emoji_only_when_asked() -> None:
    assert str(plain("<b>:fire:</b>")) == "&lt;b&gt;🔥&lt;/b&gt;"
    assert str(plain(":fire:", emoji=False)) == ":fire:"

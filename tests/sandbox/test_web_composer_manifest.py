"""The message box (commands, mentions, escaping) and the app manifest it obeys."""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom_sandbox.model import Channel
from warroom_sandbox.seed import seed_channels, seed_users
from warroom_sandbox.web.composer import Typed, encode, parse_line
from warroom_sandbox.web.manifest import DEFAULT, load_manifest, parse_manifest

REPO_MANIFEST = Path(__file__).resolve().parents[2] / "slack-manifest.yaml"


@pytest.mark.parametrize(
    ("line", "typed"),
    [
        ("/incident declare Checkout slow sev2", Typed("/incident", "declare Checkout slow sev2")),
        ("  /Incident  ", Typed("/incident", "")),
        ("/oncall", Typed("/oncall", "")),
        ("hello /incident", Typed(None, "hello /incident")),
        ("//not a command", Typed(None, "//not a command")),
    ],
)
def test_parse_line(line: str, typed: Typed) -> None:
    assert parse_line(line) == typed


def _encode(text: str, mentions: bool = True) -> str:
    channels = [
        *seed_channels(),
        Channel(id="C00000009", name="inc-9-db", created=0, creator="U0BOT"),
    ]
    return encode(text, seed_users(0), channels, resolve_mentions=mentions)


def test_mentions_become_slack_tokens() -> None:
    assert _encode("lead @liam") == "lead <@U0LEAD|liam>"
    assert _encode("ping @Olivia, @maya.") == "ping <@U0ONCALL|olivia>, <@U0MGR|maya>."
    assert _encode("see #inc-9-db and #nope") == "see <#C00000009|inc-9-db> and #nope"
    assert _encode("@here look") == "<!here> look"


def test_unknown_names_emails_and_urls_stay_as_typed() -> None:
    assert _encode("@nobody mail bob@example.com") == "@nobody mail bob@example.com"
    assert _encode("https://x.example/#general") == "https://x.example/#general"


def test_slack_escapes_the_three_characters() -> None:
    assert _encode("a < b && c > d", mentions=False) == "a &lt; b &amp;&amp; c &gt; d"


def test_without_should_escape_mentions_stay_text() -> None:
    assert _encode("lead @liam", mentions=False) == "lead @liam"


def test_built_in_manifest_matches_the_shipped_one() -> None:
    if not REPO_MANIFEST.is_file():
        pytest.skip("slack-manifest.yaml is not in this checkout")
    shipped = load_manifest(REPO_MANIFEST)
    assert shipped.commands == DEFAULT.commands
    assert shipped.shortcuts == DEFAULT.shortcuts
    assert shipped.bot_events == DEFAULT.bot_events
    assert shipped.messages_tab_read_only == DEFAULT.messages_tab_read_only


def test_manifest_subscriptions() -> None:
    manifest = parse_manifest(
        {
            "features": {"slash_commands": [{"command": "/x"}]},
            "settings": {"event_subscriptions": {"bot_events": ["message.im", "reaction_added"]}},
        },
        "test",
    )
    assert manifest.command("/x") is not None
    assert manifest.command("/y") is None
    assert manifest.subscribes("reaction_added")
    assert manifest.subscribes("message", "im")
    assert not manifest.subscribes("message", "channel")
    assert not manifest.subscribes("reaction_removed")


def test_a_missing_or_broken_manifest_falls_back_to_the_built_in_one(tmp_path: Path) -> None:
    assert load_manifest(tmp_path / "absent.yaml") == DEFAULT
    broken = tmp_path / "slack-manifest.yaml"
    broken.write_text("features: [not, a, mapping", encoding="utf-8")
    loaded = load_manifest(broken)
    assert loaded.commands == DEFAULT.commands
    assert loaded.notes
    assert "could not be read" in loaded.notes[0]

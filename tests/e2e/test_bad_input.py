"""Bad input gets a private message saying what was wrong and the usage; nothing is half-made."""

import pytest

from tests.e2e.conftest import ONCALL, Bot

USAGE_DECLARE = "Usage: `/incident declare <title> [sev1..sev4] [service:<id>] [--private]`"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("frobnicate", "`frobnicate` is not an /incident command"),
        ("declare", "a title is required"),
        ("declare Outage sev9", "unknown severity 'sev9'"),
        ("declare " + "very long title " * 125, "characters long; keep it under 1000"),
        ("status", "works in an incident channel"),
        ("resolve", "works in an incident channel"),
    ],
)
def test_bad_command_answers_privately_and_creates_nothing(bot: Bot, text: str, says: str) -> None:
    response = bot.driver.slash_command(text=text, user_id=ONCALL)
    assert response.status_code == 200
    answer = bot.said_to(ONCALL, says)
    assert "Usage:" in answer or "/incident help" in answer
    assert [c.name for c in bot.slack.state.conversations() if c.name.startswith("inc-")] == []
    assert bot.slack.state.calls("conversations.create") == []


def test_missing_title_shows_the_declare_usage(bot: Bot) -> None:
    bot.driver.slash_command(text="declare sev2", user_id=ONCALL)
    assert USAGE_DECLARE in bot.said_to(ONCALL, "a title is required")


def test_resolving_a_resolved_incident_says_how_to_reopen(bot: Bot) -> None:
    channel = bot.declare()
    bot.command(channel, "resolve")
    bot.posted(channel.id, "-> resolved")
    bot.command(channel, "resolve")
    answer = bot.said_to(ONCALL, "already resolved")
    assert "reopen (`/incident reopen`)" in answer
    resolved = [m for m in bot.slack.state.messages(channel.id) if "-> resolved" in m.all_text]
    assert len(resolved) == 1


def test_forged_and_stale_requests_get_401_and_change_nothing(bot: Bot) -> None:
    body = b"command=%2Fincident&text=declare+Forged&user_id=U0ONCALL&channel_id=C0GENERAL"
    forged = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": str(int(bot.clock().timestamp())),
        "X-Slack-Signature": "v0=" + "0" * 64,
    }
    import httpx

    assert httpx.post(f"{bot.url}/slack/events", content=body, headers=forged).status_code == 401
    from warroom_sandbox.signing import signed_headers

    stale = signed_headers("e2e-signing-secret", body, int(bot.clock().timestamp()) - 600)
    stale["Content-Type"] = "application/x-www-form-urlencoded"
    assert httpx.post(f"{bot.url}/slack/events", content=body, headers=stale).status_code == 401
    assert bot.slack.state.calls("conversations.create") == []

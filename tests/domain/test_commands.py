import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.incidents.domain import commands as cmd
from bot.incidents.domain.lifecycle import Status
from bot.incidents.domain.severity import Severity


def test_no_text_opens_the_declare_modal() -> None:
    assert cmd.parse("   ") == cmd.OpenDeclareModal()


def test_declare_takes_title_severity_and_service_in_any_order() -> None:
    parsed = cmd.parse("declare sev2 Checkout latency high service:Checkout")
    assert parsed == cmd.Declare("Checkout latency high", Severity.SEV2, "checkout")


def test_declare_defaults_to_sev3() -> None:
    assert cmd.parse("declare Search is slow") == cmd.Declare("Search is slow", Severity.SEV3, None)


def test_a_title_word_that_starts_with_sev_is_not_a_severity() -> None:
    parsed = cmd.parse("declare Severe latency in Sevastopol")
    assert parsed == cmd.Declare("Severe latency in Sevastopol", Severity.SEV3, None)


@pytest.mark.parametrize(
    ("text", "message", "usage"),
    [
        ("declare", "a title is required", "/incident declare <title> [sev1..sev4] [service:<id>]"),
        ("declare sev2", "a title is required", "/incident declare"),
        ("declare Outage sev9", "unknown severity 'sev9'", "/incident declare"),
        ("declare Outage sev1 sev2", "give the severity once", "/incident declare"),
        ("sev", "give exactly one severity", "/incident sev <sev1..sev4>"),
        ("sev critical", "unknown severity 'critical'", "/incident sev"),
        ("lead liam", "`liam` is not a Slack user", "/incident lead @user"),
        ("role comms", "give a role and a person", "/incident role <role> @user"),
        ("update", "`update` needs some text", "/incident update <text>"),
        ("note   ", "`note` needs some text", "/incident note <text>"),
    ],
)
def test_bad_commands_say_what_was_wrong_and_the_usage(text: str, message: str, usage: str) -> None:
    with pytest.raises(cmd.CommandError) as raised:
        cmd.parse(text)
    assert message in raised.value.message
    assert raised.value.usage is not None
    assert raised.value.usage.startswith(usage)


def test_unknown_subcommand_lists_the_known_ones() -> None:
    with pytest.raises(cmd.CommandError) as raised:
        cmd.parse("frobnicate now")
    assert "`frobnicate` is not an /incident command" in raised.value.message
    assert "declare" in raised.value.message
    assert "resolve" in raised.value.message


def test_mentions_are_read_from_slack_escaped_text() -> None:
    assert cmd.parse("lead <@U0LEAD|liam>") == cmd.ChangeLead("U0LEAD")
    assert cmd.parse("role Comms <@U0MGR>") == cmd.AssignRole("comms", "U0MGR")


def test_action_owner_is_the_trailing_mention() -> None:
    assert cmd.parse("action Add alert on queue depth <@U0ONCALL|olivia>") == cmd.AddAction(
        "Add alert on queue depth", "U0ONCALL"
    )
    assert cmd.parse("action Write the runbook") == cmd.AddAction("Write the runbook", None)


def test_transitions_keep_their_note() -> None:
    assert cmd.parse("resolve Fixed by reverting #4121") == cmd.Transition(
        Status.RESOLVED, "Fixed by reverting #4121"
    )
    assert cmd.parse("mitigate") == cmd.Transition(Status.MITIGATED, "")


def test_update_keeps_the_text_as_typed() -> None:
    assert cmd.parse("update  Rolled back,  errors *falling*") == cmd.PostUpdate(
        "Rolled back,  errors *falling*"
    )


@given(st.text(max_size=300))
def test_any_text_parses_or_fails_with_a_message(text: str) -> None:
    try:
        cmd.parse(text)
    except cmd.CommandError as error:
        message = error.message
        assert message

"""Every /incident command in an incident channel, as users see the result in Slack."""

from tests.e2e.conftest import LEAD, MANAGER, ONCALL, Bot, eventually


def test_status_shows_severity_status_lead_and_clocks(bot: Bot) -> None:
    channel = bot.declare("Checkout latency high sev2")
    bot.command(channel, "action Add an alert on queue depth <@U0LEAD|liam>")
    bot.posted(channel.id, "added an action item: Add an alert on queue depth")
    bot.command(channel, "status")
    answer = bot.said_to(ONCALL, "Incident #1: Checkout latency high")
    assert "SEV2 (major)" in answer
    assert "Investigating" in answer
    assert f"<@{ONCALL}>" in answer
    assert "Declared" in answer
    assert "Add an alert on queue depth" in answer


def test_sev_lead_and_role_change_topic_card_and_membership(bot: Bot) -> None:
    channel = bot.declare()
    bot.command(channel, "sev sev1")
    bot.posted(channel.id, "changed severity SEV2 -> SEV1")
    bot.command(channel, f"lead <@{LEAD}|liam>")
    bot.command(channel, f"role comms <@{MANAGER}|maya>")

    def settled() -> bool:
        topic = bot.slack.state.channel(channel.id).topic
        card = bot.card(channel.id).all_text
        return "SEV1" in topic and f"<@{LEAD}>" in topic and "Comms" in card

    eventually(settled, what="topic and card to show SEV1, the new lead and the comms role")
    eventually(
        lambda: {LEAD, MANAGER} <= set(bot.slack.state.channel(channel.id).members),
        what="the new lead and the comms person invited",
    )
    bot.posted(channel.id, "changed severity SEV2 -> SEV1")
    bot.posted(channel.id, f"made <@{LEAD}> the lead")
    bot.posted(channel.id, f"assigned comms to <@{MANAGER}>")


def test_update_is_posted_and_shown_on_the_card(bot: Bot) -> None:
    channel = bot.declare()
    bot.command(channel, "update Rolled back the deploy, error rate falling")
    bot.posted(channel.id, "posted a status update: Rolled back the deploy")
    eventually(
        lambda: "Rolled back the deploy" in bot.card(channel.id).all_text,
        what="the card's last update",
    )


def test_note_and_action_go_on_the_timeline(bot: Bot) -> None:
    channel = bot.declare()
    bot.command(channel, "note Cache hit ratio dropped at 09:12")
    bot.command(channel, "action Write the failover runbook <@U0ONCALL|olivia>")
    bot.posted(channel.id, "noted: Cache hit ratio dropped at 09:12")
    bot.posted(channel.id, f"added an action item: Write the failover runbook (owner <@{ONCALL}>)")
    bot.command(channel, "timeline")
    timeline = bot.said_to(ONCALL, "Timeline of incident #1")
    assert "declared the incident (SEV2): Checkout latency high" in timeline
    assert "noted: Cache hit ratio dropped at 09:12" in timeline
    assert "added an action item: Write the failover runbook" in timeline
    assert " UTC`" in timeline


def test_lifecycle_mitigate_resolve_reopen(bot: Bot) -> None:
    channel = bot.declare()
    bot.command(channel, "identified Bad config push")
    bot.posted(channel.id, "changed status investigating -> identified: Bad config push")
    bot.command(channel, "mitigate Traffic shifted to eu-west")
    bot.posted(channel.id, "changed status identified -> mitigated: Traffic shifted to eu-west")
    eventually(lambda: "Mitigated" in bot.card(channel.id).all_text, what="card Mitigated")
    assert bot.buttons(channel.id) == ["Post update", "Resolve"]
    bot.command(channel, "resolve Fixed by reverting #4121")
    bot.posted(channel.id, "changed status mitigated -> resolved")
    eventually(lambda: "Resolved" in bot.slack.state.channel(channel.id).topic, what="topic")
    card = bot.card(channel.id)
    assert "to resolve" in card.all_text
    assert bot.buttons(channel.id) == ["Reopen"]
    bot.command(channel, "reopen Errors are back")
    bot.posted(channel.id, "changed status resolved -> investigating: Errors are back")


def test_help_lists_every_command_with_an_example(bot: Bot) -> None:
    bot.driver.slash_command(text="help", user_id=ONCALL)
    answer = bot.said_to(ONCALL, "warroom commands")
    for usage in ["/incident declare <title>", "/incident sev <sev1..sev4>", "/incident timeline",
                  "Example: `/incident update", "/incident playbook [name]",
                  "/incident postmortem"]:  # fmt: skip
        assert usage in answer
    assert "`/oncall`" in answer

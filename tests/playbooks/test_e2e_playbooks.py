"""Playbooks end to end, as people live them in Slack: over real HTTP into the app, the app's Slack
client on the fake Slack, and the steps' actions against local fakes of LaunchDarkly and the
Kubernetes API server (which record every request, so "nothing done twice" is counted)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from textwrap import dedent
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select, update

from bot.incidents.domain.timeline import EventKind, TimelineEvent
from bot.kernel.timers import store as timers
from bot.kernel.timers.rows import Timer
from bot.playbooks.rows import PlaybookRunRow
from tests.e2e.conftest import (
    BOB,
    CONFIG_DIR,
    LEAD,
    ONCALL,
    Bot,
    bot,
    eventually,
    fake_slack_server,
    slack,
)
from warroom_sandbox.model import Channel, Message
from warroom_sandbox.providers.kubernetes import FakeKubernetes
from warroom_sandbox.providers.launchdarkly import FakeLaunchDarkly

__all__ = ["bot", "fake_slack_server", "slack"]  # the e2e fixtures, used here

LD_TOKEN = "api-e2e-launchdarkly-token"
K8S_TOKEN = "e2e-kubernetes-token"
FLAG_OFF = """\
    title: Turn off the new checkout
    description: The new checkout flow is failing; fall back to the old one.
    when:
      services: [checkout-api]
    steps:
      - id: check
        title: Check the error rate
        instructions: Errors for {{ incident.service }} on the dashboard.
        links:
          - title: Dashboard
            url: https://grafana.example.com/d/{{ incident.service }}
      - id: disable
        title: Disable the new checkout flag
        action: feature_flag.disable
        params:
          provider: launchdarkly
          flag: new-checkout
          environment: production
      - id: tell
        title: Tell support
        instructions: Post in #support that the old checkout is back.
"""
SCALE_UP = """\
    title: Scale up checkout
    when:
      services: [checkout-api]
    steps:
      - id: scale
        title: Add two replicas
        action: kubernetes.scale
        params: {deployment: checkout, namespace: shop, replicas: "+2"}
      - id: too-far
        title: Quadruple the replicas
        action: kubernetes.scale
        params: {deployment: checkout, namespace: shop, replicas: "x4"}
      - id: ghost
        title: Scale a deployment that does not exist
        action: kubernetes.scale
        params: {deployment: ghost, namespace: shop, replicas: "5"}
"""
BROKEN = """\
    title: Broken
    steps:
      - id: nope
        title: Call something unknown
        action: feature_flag.explode
"""


@dataclass
class Fakes:
    launchdarkly: FakeLaunchDarkly
    kubernetes: FakeKubernetes

    def flag_on(self) -> bool:
        return self.launchdarkly.is_on("default", "new-checkout", "production")

    def flag_writes(self, status: int | None = 200) -> int:
        return sum(1 for r in self.launchdarkly.writes() if r.status == status)


@pytest.fixture
def fakes() -> Iterator[Fakes]:
    with FakeLaunchDarkly(LD_TOKEN) as launchdarkly, FakeKubernetes(K8S_TOKEN) as kubernetes:
        launchdarkly.set_flag("default", "new-checkout", {"production": True, "staging": True})
        kubernetes.add_deployment("shop", "checkout", replicas=3)
        yield Fakes(launchdarkly, kubernetes)


@pytest.fixture
def playbooks_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "playbooks"
    folder.mkdir()

    def steps(count: int) -> str:
        return "".join(
            f"  - {{id: s{n}, title: Step {n}, instructions: Do part {n} of the recovery.}}\n"
            for n in range(1, count + 1)
        )

    files = {
        "flag-off.yaml": dedent(FLAG_OFF),
        "scale-up.yaml": dedent(SCALE_UP),
        "broken.yaml": dedent(BROKEN),
        "long-one.yaml": "title: A long recovery\nwhen: {severities: [sev4]}\nsteps:\n" + steps(20),
        "huge-one.yaml": "title: A huge recovery\nwhen: {severities: [sev4]}\nsteps:\n" + steps(30),
    }
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def config_dir(tmp_path: Path) -> Path:
    """The e2e config, with checkout-api listing its own playbook."""
    folder = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, folder)
    (folder / "services.yaml").write_text(
        dedent("""\
            services:
              - name: checkout-api
                escalation_policy: primary-policy
                playbooks: [flag-off]
        """),
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def extra_settings(fakes: Fakes, playbooks_dir: Path) -> dict[str, Any]:
    return {
        "playbooks_dir": playbooks_dir,
        "launchdarkly_api_url": fakes.launchdarkly.url,
        "launchdarkly_api_token": SecretStr(LD_TOKEN),
        "kubernetes_api_url": fakes.kubernetes.url,
        "kubernetes_token": SecretStr(K8S_TOKEN),
        "kubernetes_max_replicas": 10,
        "actions_max_attempts": 2,
        "actions_retry_base_seconds": 0.0,
        "actions_read_timeout_seconds": 1.0,
    }


# --- what a user sees and does --------------------------------------------------------------


def declare(bot: Bot, text: str = "Checkout failing sev2 service:checkout-api") -> Channel:
    return bot.declare(text)


def start(bot: Bot, channel: Channel, name: str, title: str, user: str = ONCALL) -> Message:
    bot.command(channel, f"playbook {name}", user=user)
    return bot.posted(channel.id, f"Playbook: {title}")


def now(bot: Bot, message: Message) -> Message:
    return bot.slack.state.message(message.channel, message.ts)


def shows(bot: Bot, message: Message, fragment: str) -> Message:
    return eventually(
        lambda: now(bot, message) if fragment in now(bot, message).all_text else None,
        what=f"the message showing {fragment!r}",
    )


def buttons(message: Message, step: str) -> list[str]:
    return [
        element["text"]["text"]
        for block in message.blocks
        if block.get("block_id") == f"step:{step}"
        for element in block.get("elements", [])
    ]


def press(bot: Bot, user: str, message: Message, step: str, label: str) -> None:
    """``user`` presses ``label`` on ``step`` of the checklist as it is now."""
    block = next(b for b in now(bot, message).blocks if b.get("block_id") == f"step:{step}")
    element = next(e for e in block["elements"] if e["text"]["text"] == label)
    response = bot.driver.block_action(
        user,
        message.channel,
        message.ts,
        element["action_id"],
        value=element["value"],
        block_id=block["block_id"],
    )
    assert response.status_code == 200


def modal(bot: Bot, user: str, fragment: str) -> dict[str, Any]:
    """The modal ``user`` has open once it shows ``fragment`` (e.g. after the state was read)."""

    def find() -> dict[str, Any] | None:
        views = bot.slack.state.open_views(user)
        return next((v for v in views if fragment in str(v.get("blocks"))), None)

    return eventually(find, what=f"a modal showing {fragment!r}")


def confirm(bot: Bot, user: str, fragment: str = "*Now*") -> dict[str, Any]:
    view = modal(bot, user, fragment)
    assert view["callback_id"] == "playbook_confirm"
    assert bot.driver.view_submission(user, view).status_code == 200
    return view


def timeline(bot: Bot, channel: Channel, kind: EventKind) -> list[TimelineEvent]:
    return [e for e in bot.app.incidents.view(channel.id).timeline if e.kind is kind]


def card_shows(bot: Bot, channel: Channel, fragment: str) -> None:
    eventually(lambda: fragment in bot.card(channel.id).all_text, what=f"card: {fragment!r}")


# --- listing and starting --------------------------------------------------------------------


def test_lists_the_playbooks_that_apply_and_starts_one_from_the_list(bot: Bot) -> None:
    channel = declare(bot)
    bot.command(channel, "playbook")
    listing = eventually(
        lambda: next(
            (
                e
                for e in bot.slack.state.ephemerals(ONCALL)
                if "Playbooks for this incident" in e.all_text
            ),
            None,
        ),
        what="the list of playbooks",
    )
    assert "Turn off the new checkout" in listing.all_text
    assert "Scale up checkout" in listing.all_text
    assert "A long recovery" not in listing.all_text  # it is for SEV4 incidents
    bot.driver.block_action(ONCALL, channel.id, listing.ts, "playbook_start", value="flag-off")
    checklist = bot.posted(channel.id, "Playbook: Turn off the new checkout")
    assert buttons(checklist, "check") == ["Done", "Skip"]
    assert buttons(checklist, "disable") == ["Run", "Dry run", "Skip"]
    assert "https://grafana.example.com/d/checkout-api" in str(checklist.blocks)
    assert "Errors for checkout-api on the dashboard" in checklist.all_text
    assert checklist.metadata is not None
    assert checklist.metadata["event_payload"]["key"] == "playbook:1:post"
    card_shows(bot, channel, "*Playbooks* flag-off 0/3")
    [started] = timeline(bot, channel, EventKind.PLAYBOOK_STARTED)
    assert (started.actor, started.data["playbook"], started.data["steps"]) == (
        ONCALL,
        "flag-off",
        3,
    )


def test_a_retried_post_finds_the_checklist_instead_of_posting_it_again(bot: Bot) -> None:
    """A replica that posted the checklist and died before recording it: the retry adopts it."""
    channel = declare(bot)
    checklist = start(bot, channel, "flag-off", "Turn off the new checkout")

    def posted() -> bool:
        with bot.app.sessions() as session:
            state = timers.get(session, "playbook:1:post")
            return state is not None and state.status == timers.DONE

    eventually(posted, what="the post timer done")
    with bot.app.sessions.begin() as session:
        session.execute(update(PlaybookRunRow).values(message_ts=None))
        session.execute(
            update(Timer)
            .where(Timer.key == "playbook:1:post")
            .values(status="pending", attempts=1, due_at=bot.clock())
        )
    bot.app.runner.wake()

    def adopted() -> bool:
        with bot.app.sessions() as session:
            return session.scalars(select(PlaybookRunRow.message_ts)).one() == checklist.ts

    eventually(adopted, what="the checklist adopted")
    posted = [m for m in bot.slack.state.messages(channel.id) if "Playbook: Turn" in m.all_text]
    assert [m.ts for m in posted] == [checklist.ts]


def test_no_applicable_playbook_says_how_to_find_them_all(bot: Bot) -> None:
    channel = declare(bot, "Something odd sev3")
    bot.command(channel, "playbook")
    bot.said_to(ONCALL, "No playbook applies to this incident")
    bot.said_to(ONCALL, "warroom playbooks check")


def test_a_broken_or_unknown_playbook_is_refused_with_the_reason(bot: Bot) -> None:
    channel = declare(bot)
    bot.command(channel, "playbook broken")
    answer = bot.said_to(ONCALL, "Playbook `broken` cannot be used")
    assert "broken.yaml:5" in answer
    assert "feature_flag.explode" in answer
    bot.command(channel, "playbook flag-of")
    bot.said_to(ONCALL, "There is no playbook called `flag-of`")
    assert timeline(bot, channel, EventKind.PLAYBOOK_STARTED) == []


def test_two_playbooks_run_at_once_but_one_playbook_once(bot: Bot) -> None:
    channel = declare(bot)
    start(bot, channel, "flag-off", "Turn off the new checkout")
    start(bot, channel, "scale-up", "Scale up checkout")
    card_shows(bot, channel, "*Playbooks* flag-off 0/3 · scale-up 0/3")
    bot.command(channel, "playbook flag-off", user=LEAD)
    bot.said_to(LEAD, "Playbook `flag-off` is already running here")
    assert len(timeline(bot, channel, EventKind.PLAYBOOK_STARTED)) == 2


# --- manual steps ----------------------------------------------------------------------------


def test_done_and_skip_with_a_reason_show_who_and_count_on_the_card(bot: Bot) -> None:
    channel = declare(bot)
    checklist = start(bot, channel, "flag-off", "Turn off the new checkout")
    press(bot, ONCALL, checklist, "check", "Done")
    shown = shows(bot, checklist, f"Done by <@{ONCALL}>")
    assert buttons(shown, "check") == []
    card_shows(bot, channel, "flag-off 1/3")

    press(bot, ONCALL, checklist, "tell", "Skip")
    view = eventually(
        lambda: next(iter(bot.slack.state.open_views(ONCALL)), None), what="the skip modal"
    )
    refused = bot.driver.view_submission(ONCALL, view, {"reason": {"value": "  "}})
    assert refused.json()["response_action"] == "errors"
    bot.driver.view_submission(ONCALL, view, {"reason": {"value": "support already knows"}})
    shows(bot, checklist, f"Skipped by <@{ONCALL}>")
    shows(bot, checklist, "support already knows")
    card_shows(bot, channel, "flag-off 2/3")
    skipped = [e.data for e in timeline(bot, channel, EventKind.PLAYBOOK_STEP)]
    assert [(d["step"], d["outcome"], d.get("reason")) for d in skipped] == [
        ("check", "done", None),
        ("tell", "skipped", "support already knows"),
    ]


def test_a_second_click_on_done_is_a_no_op_with_who_did_it(bot: Bot) -> None:
    channel = declare(bot)
    checklist = start(bot, channel, "flag-off", "Turn off the new checkout")
    stale = now(bot, checklist)
    press(bot, ONCALL, checklist, "check", "Done")
    shows(bot, checklist, "Done by")
    element = next(b for b in stale.blocks if b.get("block_id") == "step:check")["elements"][0]
    bot.driver.block_action(
        ONCALL, channel.id, checklist.ts, element["action_id"], value=element["value"]
    )
    bot.said_to(ONCALL, f"already done by <@{ONCALL}>")
    assert len(timeline(bot, channel, EventKind.PLAYBOOK_STEP)) == 1


def test_only_channel_members_can_press_step_buttons(bot: Bot, fakes: Fakes) -> None:
    channel = declare(bot)
    checklist = start(bot, channel, "flag-off", "Turn off the new checkout")
    press(bot, BOB, checklist, "check", "Done")
    press(bot, BOB, checklist, "disable", "Run")
    bot.said_to(BOB, "Only members of this incident channel")
    assert bot.slack.state.open_views(BOB) == []
    assert timeline(bot, channel, EventKind.PLAYBOOK_STEP) == []
    assert fakes.launchdarkly.requests() == []


def test_a_member_is_asked_about_once_and_someone_who_joins_is_accepted_at_once(bot: Bot) -> None:
    channel = declare(bot)
    checklist = start(bot, channel, "flag-off", "Turn off the new checkout")
    press(bot, ONCALL, checklist, "check", "Done")
    shows(bot, checklist, f"Done by <@{ONCALL}>")
    asked = len(bot.slack.state.calls("conversations.members"))
    press(bot, ONCALL, checklist, "tell", "Skip")  # seen in the channel just now: not asked again
    eventually(lambda: bot.slack.state.open_views(ONCALL), what="the skip modal")
    assert len(bot.slack.state.calls("conversations.members")) == asked

    press(bot, BOB, checklist, "tell", "Skip")
    bot.said_to(BOB, "Only members of this incident channel")
    bot.slack.state.join(channel.id, BOB)  # "not a member" is asked again, so this counts at once
    press(bot, BOB, checklist, "tell", "Skip")
    eventually(lambda: bot.slack.state.open_views(BOB), what="Bob's skip modal")


# --- automated steps -------------------------------------------------------------------------


def test_run_asks_to_confirm_exactly_what_changes_then_turns_the_flag_off(
    bot: Bot, fakes: Fakes
) -> None:
    channel = declare(bot)
    checklist = start(bot, channel, "flag-off", "Turn off the new checkout")
    fakes.launchdarkly.slow(1, seconds=1.5)  # reading the flag takes a while
    press(bot, ONCALL, checklist, "disable", "Run")
    modal(bot, ONCALL, "Reading the current state")
    view = modal(bot, ONCALL, "*Now*")
    text = str(view["blocks"])
    for shown in ("new-checkout", "production", "*Now*\\non", "*After*\\noff", "turnFlagOff"):
        assert shown in text
    assert LD_TOKEN not in text
    assert fakes.flag_on(), "reading the state changes nothing"
    bot.driver.view_submission(ONCALL, view)

    eventually(lambda: not fakes.flag_on(), what="the flag turned off at LaunchDarkly")
    bot.posted(channel.id, f"<@{ONCALL}> ran *Disable the new checkout flag*")
    shown = shows(bot, checklist, f"Ran by <@{ONCALL}>")
    assert buttons(shown, "disable") == []
    card_shows(bot, channel, "flag-off 1/3")
    [ran] = timeline(bot, channel, EventKind.PLAYBOOK_STEP)
    assert (ran.data["outcome"], ran.data["before"], ran.data["after"]) == (
        "succeeded",
        "on",
        "off",
    )
    assert ran.data["action"] == "feature_flag.disable"
    assert "new-checkout" in ran.data["undo"]["summary"]
    [patch] = fakes.launchdarkly.writes()
    assert patch.json()["instructions"] == [{"kind": "turnFlagOff"}]


def test_a_double_submission_or_replayed_confirmation_runs_once(bot: Bot, fakes: Fakes) -> None:
    channel = declare(bot)
    checklist = start(bot, channel, "flag-off", "Turn off the new checkout")
    press(bot, ONCALL, checklist, "disable", "Run")
    first = modal(bot, ONCALL, "*Now*")
    press(bot, ONCALL, checklist, "disable", "Run")  # a double click
    second = eventually(
        lambda: next(
            (
                v
                for v in bot.slack.state.open_views(ONCALL)
                if v["id"] != first["id"] and "*Now*" in str(v["blocks"])
            ),
            None,
        ),
        what="the second confirmation",
    )
    bot.driver.view_submission(ONCALL, first)
    bot.driver.view_submission(ONCALL, second)
    bot.driver.view_submission(ONCALL, first)  # Slack retrying the submission
    eventually(lambda: not fakes.flag_on(), what="the flag off")
    shows(bot, checklist, "Ran by")

    def refusals() -> list[str]:  # the submissions race: each loser hears why, by state
        texts = [e.all_text for e in bot.slack.state.ephemerals(ONCALL)]
        return [t for t in texts if "already running" in t or "already run by" in t]

    eventually(lambda: len(refusals()) == 2, what="two refusals")
    assert fakes.flag_writes() == 1
    assert len(timeline(bot, channel, EventKind.PLAYBOOK_STEP)) == 1


def test_dry_run_shows_the_request_and_changes_nothing(bot: Bot, fakes: Fakes) -> None:
    channel = declare(bot)
    checklist = start(bot, channel, "flag-off", "Turn off the new checkout")
    press(bot, ONCALL, checklist, "disable", "Dry run")
    view = modal(bot, ONCALL, "Nothing was changed")
    assert "turnFlagOff" in str(view["blocks"])
    assert view.get("submit") is None  # nothing to submit: a dry run only shows
    assert fakes.flag_on()
    assert fakes.launchdarkly.writes() == []
    assert timeline(bot, channel, EventKind.PLAYBOOK_STEP) == []
    assert buttons(now(bot, checklist), "disable") == ["Run", "Dry run", "Skip"]


def test_a_provider_failure_is_said_and_run_again_succeeds_once(bot: Bot, fakes: Fakes) -> None:
    channel = declare(bot)
    checklist = start(bot, channel, "flag-off", "Turn off the new checkout")
    press(bot, ONCALL, checklist, "disable", "Run")
    view = modal(bot, ONCALL, "*Now*")
    fakes.launchdarkly.fail(times=2, status=500)  # every attempt of this Run
    bot.driver.view_submission(ONCALL, view)

    failure = bot.posted(channel.id, "*Disable the new checkout flag* (flag-off) failed")
    assert "LaunchDarkly answered HTTP 500" in failure.all_text
    assert "press *Run again*" in failure.all_text
    shown = shows(bot, checklist, "LaunchDarkly answered HTTP 500")
    assert buttons(shown, "disable") == ["Run again", "Dry run", "Skip"]
    assert fakes.flag_on()
    card_shows(bot, channel, "flag-off 0/3")

    press(bot, ONCALL, checklist, "disable", "Run again")
    confirm(bot, ONCALL)
    eventually(lambda: not fakes.flag_on(), what="the flag off on the second Run")
    shows(bot, checklist, "Ran by")
    assert (fakes.flag_writes(status=500), fakes.flag_writes()) == (2, 1)
    outcomes = [e.data["outcome"] for e in timeline(bot, channel, EventKind.PLAYBOOK_STEP)]
    assert outcomes == ["failed", "succeeded"]
    card_shows(bot, channel, "flag-off 1/3")


@pytest.mark.parametrize(
    ("status", "said"),
    [
        (401, "LAUNCHDARKLY_API_TOKEN"),
        (404, "HTTP 404"),
        (409, "HTTP 409"),
        (None, "timed out"),
    ],
)
def test_each_provider_failure_is_clear_and_leaves_the_step_retryable(
    bot: Bot, fakes: Fakes, status: int | None, said: str
) -> None:
    channel = declare(bot)
    checklist = start(bot, channel, "flag-off", "Turn off the new checkout")
    press(bot, ONCALL, checklist, "disable", "Run")
    view = modal(bot, ONCALL, "*Now*")
    if status is None:
        fakes.launchdarkly.timeout(times=2, seconds=3)
    else:
        fakes.launchdarkly.fail(times=2, status=status)
    bot.driver.view_submission(ONCALL, view)
    failure = bot.posted(channel.id, "failed:")
    assert said in failure.all_text
    shown = shows(bot, checklist, ":x:")
    assert buttons(shown, "disable") == ["Run again", "Dry run", "Skip"]
    assert fakes.flag_on()
    assert fakes.flag_writes() == 0


def test_a_pending_approval_is_reported_not_retried(bot: Bot, fakes: Fakes) -> None:
    channel = declare(bot)
    checklist = start(bot, channel, "flag-off", "Turn off the new checkout")
    press(bot, ONCALL, checklist, "disable", "Run")
    view = modal(bot, ONCALL, "*Now*")
    fakes.launchdarkly.add_pending_approval("default", "new-checkout", "production")
    bot.driver.view_submission(ONCALL, view)
    failure = bot.posted(channel.id, "failed:")
    assert "conflicts with a pending approval" in failure.all_text
    assert "Retrying as is will not help" in failure.all_text
    assert len(fakes.launchdarkly.writes()) == 1  # not retried


def test_scaling_is_capped_and_a_missing_deployment_is_said_in_the_channel(
    bot: Bot, fakes: Fakes
) -> None:
    channel = declare(bot)
    checklist = start(bot, channel, "scale-up", "Scale up checkout")
    press(bot, ONCALL, checklist, "too-far", "Run")
    refused = modal(bot, ONCALL, ":x:")
    assert "10" in str(refused["blocks"])  # the cap
    bot.posted(channel.id, "could not run *Quadruple the replicas*")
    press(bot, ONCALL, checklist, "ghost", "Run")
    modal(bot, ONCALL, "ghost")
    bot.posted(channel.id, "could not run *Scale a deployment that does not exist*")
    assert fakes.kubernetes.writes() == []
    assert fakes.kubernetes.replicas("shop", "checkout") == 3
    assert buttons(now(bot, checklist), "too-far") == ["Run", "Dry run", "Skip"]

    press(bot, ONCALL, checklist, "scale", "Run")
    view = confirm(bot, ONCALL)
    assert "*Now*\\n3 replicas" in str(view["blocks"])
    assert "*After*\\n5 replicas" in str(view["blocks"])
    eventually(lambda: fakes.kubernetes.replicas("shop", "checkout") == 5, what="5 replicas")
    shows(bot, checklist, "Ran by")
    assert len(fakes.kubernetes.writes()) == 1


# --- rollback --------------------------------------------------------------------------------


def test_mitigating_offers_the_undo_which_runs_once(bot: Bot, fakes: Fakes) -> None:
    channel = declare(bot)
    checklist = start(bot, channel, "flag-off", "Turn off the new checkout")
    press(bot, ONCALL, checklist, "disable", "Run")
    confirm(bot, ONCALL)
    shows(bot, checklist, "Ran by")

    bot.command(channel, "mitigate")
    offer = bot.posted(channel.id, "Undo playbook changes?")
    [button] = [b["accessory"] for b in offer.blocks if "accessory" in b]
    assert button["text"]["text"] == "Run undo"
    bot.driver.block_action(
        ONCALL, channel.id, offer.ts, button["action_id"], value=button["value"]
    )
    view = confirm(bot, ONCALL)
    assert view["submit"]["text"] == "Run undo"
    bot.driver.view_submission(ONCALL, view)  # a replay
    eventually(fakes.flag_on, what="the flag back on")
    bot.posted(channel.id, f"<@{ONCALL}> undid *Disable the new checkout flag*")
    shows(bot, checklist, f"Undone by <@{ONCALL}>")
    shown = shows(bot, offer, "Undone by")
    assert [b for b in shown.blocks if "accessory" in b] == []
    [undone] = timeline(bot, channel, EventKind.PLAYBOOK_UNDONE)
    assert (undone.data["outcome"], undone.data["step"]) == ("succeeded", "disable")
    assert fakes.flag_writes() == 2  # off, then on again: once each

    bot.command(channel, "resolve")
    bot.posted(channel.id, "-> resolved")
    offers = [m for m in bot.slack.state.messages(channel.id) if "Undo playbook" in m.all_text]
    assert len(offers) == 1


def test_a_long_playbook_fits_in_one_message_and_works(bot: Bot) -> None:
    channel = declare(bot, "Slow reports sev4")
    checklist = start(bot, channel, "long-one", "A long recovery")
    assert len(checklist.blocks) <= 50
    assert all(buttons(checklist, f"s{n}") == ["Done", "Skip"] for n in range(1, 21))
    press(bot, ONCALL, checklist, "s20", "Done")
    shows(bot, checklist, "*1/20* steps finished")
    card_shows(bot, channel, "long-one 1/20")


def test_a_longer_playbook_gets_a_menu_per_step(bot: Bot) -> None:
    channel = declare(bot, "Slow reports sev4")
    checklist = start(bot, channel, "huge-one", "A huge recovery")
    assert len(checklist.blocks) <= 50
    block = next(b for b in checklist.blocks if b.get("block_id") == "step:s30")
    menu = block["accessory"]
    assert [o["text"]["text"] for o in menu["options"]] == ["Done", "Skip"]
    done = menu["options"][0]["value"]
    bot.driver.block_action(
        ONCALL, channel.id, checklist.ts, menu["action_id"], value=done, block_id="step:s30"
    )
    shows(bot, checklist, "*1/30* steps finished")
    shows(bot, checklist, f"Done by <@{ONCALL}>")

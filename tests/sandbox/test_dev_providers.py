"""``warroom dev`` runs local flag, Kubernetes and pager APIs: no accounts needed to try them."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from tests.sandbox.conftest import dev_options
from tests.sandbox.test_dev_playbooks import declare, say
from tests.sandbox.waiting import eventually
from warroom_sandbox.dev import DevSandbox
from warroom_sandbox.dev_providers import FLAG, NAMESPACE, REPLICAS
from warroom_sandbox.providers.kubernetes import FakeKubernetes
from warroom_sandbox.providers.launchdarkly import FakeLaunchDarkly
from warroom_sandbox.providers.pagerduty import FakePagerDuty
from warroom_sandbox.providers.twilio import FakeTwilio


def test_the_bot_is_pointed_at_seeded_fakes_and_the_page_says_so(tmp_path: Path) -> None:
    with DevSandbox(dev_options(tmp_path)) as dev:
        assert dev.providers is not None
        fakes = dev.providers.started
        assert set(fakes) == {
            "LaunchDarkly",
            "Unleash",
            "Flagsmith",
            "Kubernetes",
            "PagerDuty",
            "Opsgenie",
            "Twilio",
            "GitHub",
            "Linear",
            "Jira",
            "Statuspage",
        }
        launchdarkly = fakes["LaunchDarkly"]
        assert isinstance(launchdarkly, FakeLaunchDarkly)
        assert launchdarkly.is_on("default", FLAG, "production")
        kubernetes = fakes["Kubernetes"]
        assert isinstance(kubernetes, FakeKubernetes)
        assert kubernetes.replicas(NAMESPACE, "checkout-api") == REPLICAS

        settings = dev._settings()
        assert settings.launchdarkly_api_url == launchdarkly.url
        assert settings.kubernetes_api_url == kubernetes.url
        assert settings.github_api_url == fakes["GitHub"].url  # action items' issues
        assert settings.statuspage_api_url == f"{fakes['Statuspage'].url}/v1"
        assert "checkout-api=cmp-checkout-api" in settings.statuspage_components
        assert (
            "Playbook actions and pages go to local fakes of LaunchDarkly"
            in httpx.get(dev.url, timeout=30).text
        )
    assert dev.providers is not None
    assert not dev.providers.started


def test_a_real_provider_setting_is_never_replaced_by_a_fake(tmp_path: Path) -> None:
    real = {"launchdarkly_api_token": SecretStr("api-real"), "timer_sweep_seconds": 0.5}
    with DevSandbox(dev_options(tmp_path, extra_settings=real)) as dev:
        assert dev.providers is not None
        assert "LaunchDarkly" not in dev.providers.started
        settings = dev._settings()
        assert settings.launchdarkly_api_url == "https://app.launchdarkly.com"
        assert settings.launchdarkly_api_token == SecretStr("api-real")


def test_pages_go_to_the_pager_fakes_and_nothing_says_could_not_reach(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("PAGERDUTY_ROUTING_KEY_PAYMENTS", raising=False)
    with DevSandbox(dev_options(tmp_path)) as dev:
        assert dev.providers is not None
        pagerduty = dev.providers.started["PagerDuty"]
        assert isinstance(pagerduty, FakePagerDuty)
        channel = declare(dev, "Checkout pages")
        say(dev, channel, "/incident page @olivia can you look")  # Olivia: Slack + PagerDuty
        eventually(pagerduty.incidents, "the page's PagerDuty incident")
        said = [m.all_text for m in dev.emulator.state.messages(channel.id)]
        assert not [text for text in said if "Could not reach" in text]
    assert "PAGERDUTY_ROUTING_KEY_PAYMENTS" not in os.environ  # the made-up key is given back


def test_liam_is_texted_through_the_twilio_fake_and_a_reply_acknowledges(tmp_path: Path) -> None:
    with DevSandbox(dev_options(tmp_path)) as dev:
        assert dev.providers is not None
        twilio = dev.providers.twilio
        assert isinstance(twilio, FakeTwilio)
        channel = declare(dev, "Checkout texts")
        say(dev, channel, "/incident page @liam checkout is down")  # Liam: Slack, Opsgenie, phone
        # Liam's text, not the on-call's: the declare paged her too, and either may come first.
        text = eventually(
            lambda: next(
                (
                    m
                    for m in twilio.messages()
                    if m.status == "delivered" and m.to == "+12125550147"
                ),
                None,
            ),
            "Liam's text, delivered (the fake's status callbacks reached the bot)",
        )
        assert "Checkout texts" in text.body
        answer = twilio.reply(text.to, "1", f"{dev.url}/webhooks/twilio/sms")
        assert "Acknowledged incident" in answer.text
        page = httpx.get(dev.url, timeout=30).text
        assert "Texts and calls (Twilio)" in page
        assert "Text to +12125550147 (delivered)" in page
        assert "Text from +12125550147 (answered: Acknowledged incident #1" in page
        eventually(
            lambda: [
                m
                for m in dev.emulator.state.messages(channel.id)
                if "acknowledged the page" in m.all_text
            ],
            "the acknowledgement in the channel",
        )

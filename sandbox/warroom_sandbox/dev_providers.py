"""The provider APIs ``warroom dev`` runs beside the bot, so playbooks and paging can be tried.

Each flag and Kubernetes fake is seeded with what the shipped playbooks act on: the
``new-checkout-flow`` flag on in ``production`` (LaunchDarkly, Unleash, Flagsmith) and one
Deployment per configured service in the ``production`` namespace. PagerDuty and Opsgenie fakes
take the pages of the config's people, with a made-up credential in each setting ``users.yaml``
names that the environment lacks (given back at stop); the Twilio fake takes their texts and
calls, delivers them a moment later (status callbacks to the bot) and can reply for them. The
GitHub, Linear and Jira fakes take the issues approved post-mortems' action items become (any
repository, team or project). A
provider whose real URL or credential is already set in the environment is left alone: the
sandbox never hides a real setting.
"""

from __future__ import annotations

import os
import re
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.config import load_config
from bot.config.model import OpsgenieChannel, PagerDutyChannel
from bot.kernel.settings import Settings
from warroom_sandbox.providers.base import FakeProvider
from warroom_sandbox.providers.flagsmith import FakeFlagsmith
from warroom_sandbox.providers.github import FakeGitHub
from warroom_sandbox.providers.jira import FakeJira
from warroom_sandbox.providers.kubernetes import FakeKubernetes
from warroom_sandbox.providers.launchdarkly import FakeLaunchDarkly
from warroom_sandbox.providers.linear import FakeLinear
from warroom_sandbox.providers.opsgenie import FakeOpsgenie
from warroom_sandbox.providers.pagerduty import FakePagerDuty
from warroom_sandbox.providers.statuspage import FakeStatuspage
from warroom_sandbox.providers.twilio import FakeTwilio, TwilioCall, TwilioMessage
from warroom_sandbox.providers.unleash import FakeUnleash
from warroom_sandbox.web.page import PhoneLine

FLAG = "new-checkout-flow"
ENVIRONMENT = "production"
NAMESPACE = "production"
REPLICAS = 3
PAGERDUTY_KEY = "sandboxpagerdutyroutingkey000001"  # 32 characters, as PagerDuty wants
OPSGENIE_KEY = "sandbox-opsgenie-api-key"
STATUSPAGE_PAGE, STATUSPAGE_KEY = "sandbox-page", "sandbox-statuspage-key"
_DEFAULTS = Settings.model_fields


class SandboxProviders:
    """Starts the fakes (``start``), says which settings point the bot at them (``settings``)."""

    def __init__(self, config_dir: Path, real: dict[str, Any]) -> None:
        self._config_dir = config_dir
        self._real = real  # the settings as the environment gives them
        self._stack = ExitStack()
        self.started: dict[str, FakeProvider] = {}
        self._lent: list[str] = []  # credentials set for the fakes, unset again at stop

    def start(self) -> SandboxProviders:
        if not self._real.get("launchdarkly_api_token"):
            launchdarkly = self._start("LaunchDarkly", FakeLaunchDarkly())
            launchdarkly.set_flag("default", FLAG, {ENVIRONMENT: True, "staging": True})
        if not self._real.get("unleash_api_url"):
            unleash = self._start("Unleash", FakeUnleash())
            unleash.set_feature("default", FLAG, {ENVIRONMENT: True})
        if not self._real.get("flagsmith_api_key"):
            flagsmith = self._start("Flagsmith", FakeFlagsmith())
            flagsmith.set_flag(ENVIRONMENT, FLAG, True)
        if not self._real.get("kubernetes_api_url"):
            kubernetes = self._start("Kubernetes", FakeKubernetes())
            for service in _service_names(self._config_dir):
                kubernetes.add_deployment(NAMESPACE, service, REPLICAS)
        self._start_pagers()
        if not self._real.get("github_token"):
            self._start("GitHub", FakeGitHub(any_repo=True))  # post-mortem follow-ups
        if not self._real.get("linear_api_key"):
            self._start("Linear", FakeLinear(any_team=True))
        if not self._real.get("jira_base_url"):
            self._start("Jira", FakeJira(any_project=True))
        if not self._real.get("statuspage_page_id"):  # each service a component "cmp-<name>"
            components = {f"cmp-{name}" for name in _service_names(self._config_dir)}
            pages = {STATUSPAGE_PAGE: components}
            self._start("Statuspage", FakeStatuspage(pages=pages, api_keys={STATUSPAGE_KEY}))
        return self

    def _start_pagers(self) -> None:
        settings = _pager_settings(self._config_dir)
        if self._real.get("pagerduty_events_url") == _DEFAULTS["pagerduty_events_url"].default:
            self._start("PagerDuty", FakePagerDuty())
            self._lend(settings[PagerDutyChannel], PAGERDUTY_KEY)
        if self._real.get("opsgenie_api_url") == _DEFAULTS["opsgenie_api_url"].default:
            self._start("Opsgenie", FakeOpsgenie(api_keys={OPSGENIE_KEY}))
            self._lend(settings[OpsgenieChannel], OPSGENIE_KEY)
        twilio_default = _DEFAULTS["twilio_api_url"].default
        if self._real.get("twilio_api_url") == twilio_default and not self._real.get(
            "twilio_account_sid"
        ):
            twilio = self._start("Twilio", FakeTwilio(auto_settle=True))
            # Set where the credentials check looks too, so nobody is told Twilio is missing.
            for name, value in (
                ("TWILIO_ACCOUNT_SID", twilio.account_sid),
                ("TWILIO_AUTH_TOKEN", twilio.auth_token),
                ("TWILIO_FROM_NUMBER", twilio.from_number),
            ):
                self._lend({name}, value)

    def _lend(self, names: set[str], value: str) -> None:
        for name in sorted(names):
            if not os.environ.get(name):
                os.environ[name] = value
                self._lent.append(name)

    def _start(self, name: str, fake: Any) -> Any:
        self.started[name] = self._stack.enter_context(fake)
        return fake

    def settings(self) -> dict[str, Any]:
        """The bot settings that point at the started fakes."""
        values: dict[str, Any] = {}
        for name, fake in self.started.items():
            match fake:
                case FakeLaunchDarkly():
                    values["launchdarkly_api_url"] = fake.url
                    values["launchdarkly_api_token"] = SecretStr(fake.token)
                case FakeUnleash():
                    values["unleash_api_url"] = fake.url
                    values["unleash_api_token"] = SecretStr(fake.token)
                case FakeFlagsmith():
                    values["flagsmith_api_url"] = fake.url
                    values["flagsmith_api_key"] = SecretStr(fake.token)
                case FakeKubernetes():
                    values["kubernetes_api_url"] = fake.url
                    values["kubernetes_token"] = SecretStr(fake.token)
                case FakePagerDuty():
                    values["pagerduty_events_url"] = fake.url
                case FakeOpsgenie():
                    values["opsgenie_api_url"] = fake.url
                case FakeTwilio():
                    values["twilio_api_url"] = fake.url
                    values["twilio_account_sid"] = fake.account_sid
                    values["twilio_auth_token"] = SecretStr(fake.auth_token)
                    values["twilio_from_number"] = fake.from_number
                case FakeGitHub():
                    values["github_api_url"] = fake.url
                    values["github_token"] = SecretStr(fake.token)
                case FakeLinear():
                    values["linear_api_url"] = fake.url
                    values["linear_api_key"] = SecretStr(fake.api_key)
                case FakeJira():
                    values["jira_base_url"] = fake.url
                    values["jira_email"] = fake.email
                    values["jira_api_token"] = SecretStr(fake.token)
                case FakeStatuspage():
                    values["statuspage_api_url"] = f"{fake.url}/v1"
                    values["statuspage_page_id"] = STATUSPAGE_PAGE
                    values["statuspage_api_key"] = SecretStr(STATUSPAGE_KEY)
                    values["statuspage_components"] = ",".join(
                        f"{c.removeprefix('cmp-')}={c}" for c in sorted(fake.pages[STATUSPAGE_PAGE])
                    )
                case _:
                    raise AssertionError(f"no settings for the {name} fake")
        return values

    @property
    def twilio(self) -> FakeTwilio | None:
        """The Twilio fake, when it runs (the sandbox page shows its texts and calls)."""
        fake = self.started.get("Twilio")
        return fake if isinstance(fake, FakeTwilio) else None

    def banner(self) -> str:
        if not self.started:
            return ""
        names = ", ".join(self.started)
        return (
            f"Playbook actions and pages go to local fakes of {names}: try /incident playbook "
            "in an incident channel, or declare for a service, no accounts needed."
        )

    def stop(self) -> None:
        self._stack.close()
        self.started.clear()
        for name in self._lent:
            os.environ.pop(name, None)
        self._lent.clear()


def _service_names(config_dir: Path) -> list[str]:
    try:
        return [service.name for service in load_config(config_dir).services]
    except Exception:  # a broken config is reported by the bot itself when it starts
        return []


def _pager_settings(config_dir: Path) -> dict[type, set[str]]:
    """The credential settings the config's people name, by channel type."""
    names: dict[type, set[str]] = {PagerDutyChannel: set(), OpsgenieChannel: set()}
    try:
        users = load_config(config_dir).users
    except Exception:  # a broken config is reported by the bot itself when it starts
        return names
    for user in users:
        for channel in user.channels:
            match channel:
                case PagerDutyChannel(routing_key_setting=setting):
                    names[PagerDutyChannel].add(setting)
                case OpsgenieChannel(api_key_setting=setting):
                    names[OpsgenieChannel].add(setting)
    return names


def phone_line(item: TwilioMessage | TwilioCall) -> PhoneLine:
    """A text or call of the Twilio fake in words for the sandbox page."""
    if isinstance(item, TwilioCall):
        pressed = f", pressed {item.digits}" if item.digits else ""
        return PhoneLine(f"Call to {item.to}", item.said, item.status + pressed)
    if item.direction == "inbound":
        answer = re.sub(r"<[^>]+>", "", item.reply).strip()  # the TwiML <Message> warroom sent
        return PhoneLine(f"Text from {item.from_}", item.body, f"answered: {answer}")
    return PhoneLine(f"Text to {item.to}", item.body, item.status)

"""The flag and Kubernetes APIs ``warroom dev`` runs beside the bot, so playbooks can be tried.

Each fake is seeded with what the shipped playbooks act on: the ``new-checkout-flow`` flag on in
``production`` (LaunchDarkly, Unleash, Flagsmith) and one Deployment per configured service in the
``production`` namespace. A provider whose real URL or credential is already set in the
environment is left alone: the sandbox never hides a real setting.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.config import load_config
from warroom_sandbox.providers.admin import FakeAdminApi
from warroom_sandbox.providers.flagsmith import FakeFlagsmith
from warroom_sandbox.providers.kubernetes import FakeKubernetes
from warroom_sandbox.providers.launchdarkly import FakeLaunchDarkly
from warroom_sandbox.providers.unleash import FakeUnleash

FLAG = "new-checkout-flow"
ENVIRONMENT = "production"
NAMESPACE = "production"
REPLICAS = 3


class SandboxProviders:
    """Starts the fakes (``start``), says which settings point the bot at them (``settings``)."""

    def __init__(self, config_dir: Path, real: dict[str, Any]) -> None:
        self._config_dir = config_dir
        self._real = real  # the settings as the environment gives them
        self._stack = ExitStack()
        self.started: dict[str, FakeAdminApi] = {}

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
        return self

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
                case _:
                    raise AssertionError(f"no settings for the {name} fake")
        return values

    def banner(self) -> str:
        if not self.started:
            return ""
        names = ", ".join(self.started)
        return (
            f"Playbook actions go to local fakes of {names}: try /incident playbook in an "
            "incident channel, no accounts needed."
        )

    def stop(self) -> None:
        self._stack.close()
        self.started.clear()


def _service_names(config_dir: Path) -> list[str]:
    try:
        return [service.name for service in load_config(config_dir).services]
    except Exception:  # a broken config is reported by the bot itself when it starts
        return []

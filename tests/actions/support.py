"""The fakes the action tests run against, and one description per flag provider so the shared
behaviour (plan, run, undo, failures) is tested for each with the same test code."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from bot.kernel.settings import Settings
from warroom_sandbox.providers.admin import FakeAdminApi
from warroom_sandbox.providers.flag_http import FakeFlagHttp
from warroom_sandbox.providers.flagsmith import FakeFlagsmith
from warroom_sandbox.providers.kubernetes import FakeKubernetes
from warroom_sandbox.providers.launchdarkly import FakeLaunchDarkly
from warroom_sandbox.providers.unleash import FakeUnleash

READ_ONLY = "read-only-token-for-tests"
SEMANTIC_PATCH = "application/json; domain-model=launchdarkly.semanticpatch"


@dataclass
class Servers:
    launchdarkly: FakeLaunchDarkly
    unleash: FakeUnleash
    flagsmith: FakeFlagsmith
    flag_http: FakeFlagHttp
    kubernetes: FakeKubernetes

    def __iter__(self) -> Iterator[FakeAdminApi]:
        yield from (
            self.launchdarkly,
            self.unleash,
            self.flagsmith,
            self.flag_http,
            self.kubernetes,
        )


def settings_for(servers: Servers, **overrides: Any) -> Settings:
    """Settings aimed at the fakes, with small timeouts so failure tests stay fast."""
    values: dict[str, Any] = {
        "launchdarkly_api_url": servers.launchdarkly.url,
        "launchdarkly_api_token": servers.launchdarkly.token,
        "unleash_api_url": servers.unleash.url,
        "unleash_api_token": servers.unleash.token,
        "flagsmith_api_url": servers.flagsmith.url,
        "flagsmith_api_key": servers.flagsmith.token,
        "flag_http_token": servers.flag_http.token,
        "kubernetes_api_url": servers.kubernetes.url,
        "kubernetes_token": servers.kubernetes.token,
        "actions_connect_timeout_seconds": 1.0,
        "actions_read_timeout_seconds": 0.3,
        "actions_max_attempts": 3,
        "actions_retry_base_seconds": 0.01,
        "actions_time_budget_seconds": 10.0,
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)


@dataclass(frozen=True)
class FlagCase:
    """How one provider's flag `checkout` is seeded, read, addressed and written."""

    provider: str
    title: str
    token_field: str  # the Settings field holding the credential
    token_setting: str  # its environment name, as messages say it
    shown_auth: str  # the Authorization header as a plan shows it
    fake: Callable[[Servers], FakeAdminApi]
    params: Callable[[Servers], dict[str, Any]]
    seed: Callable[[Servers, bool], None]
    is_on: Callable[[Servers], bool]
    write_method: str
    write_path: Callable[[bool], str]
    write_body: Callable[[bool], Any]  # the JSON body, or None for no body
    write_content_type: str | None

    def __str__(self) -> str:
        return self.provider


def _seed_flagsmith(fake: FakeFlagsmith, on: bool) -> None:
    fake.set_flag("prodEnvKey", "search", True)  # another feature, which the read must skip
    fake.set_flag("prodEnvKey", "checkout", on)


FLAG_CASES = [
    FlagCase(
        provider="launchdarkly",
        title="LaunchDarkly",
        token_field="launchdarkly_api_token",
        token_setting="LAUNCHDARKLY_API_TOKEN",
        shown_auth="***",
        fake=lambda s: s.launchdarkly,
        params=lambda s: {
            "provider": "launchdarkly",
            "flag": "checkout",
            "project": "shop",
            "environment": "production",
        },
        seed=lambda s, on: s.launchdarkly.set_flag(
            "shop", "checkout", {"production": on, "staging": True}
        ),
        is_on=lambda s: s.launchdarkly.is_on("shop", "checkout", "production"),
        write_method="PATCH",
        write_path=lambda on: "/api/v2/flags/shop/checkout",
        write_body=lambda on: {
            "environmentKey": "production",
            "instructions": [{"kind": "turnFlagOn" if on else "turnFlagOff"}],
        },
        write_content_type=SEMANTIC_PATCH,
    ),
    FlagCase(
        provider="unleash",
        title="Unleash",
        token_field="unleash_api_token",
        token_setting="UNLEASH_API_TOKEN",
        shown_auth="***",
        fake=lambda s: s.unleash,
        params=lambda s: {
            "provider": "unleash",
            "flag": "checkout",
            "project": "shop",
            "environment": "production",
        },
        seed=lambda s, on: s.unleash.set_feature(
            "shop", "checkout", {"development": True, "production": on}
        ),
        is_on=lambda s: s.unleash.is_enabled("shop", "checkout", "production"),
        write_method="POST",
        write_path=lambda on: (
            "/api/admin/projects/shop/features/checkout/environments/production/"
            + ("on" if on else "off")
        ),
        write_body=lambda on: None,
        write_content_type=None,
    ),
    FlagCase(
        provider="flagsmith",
        title="Flagsmith",
        token_field="flagsmith_api_key",
        token_setting="FLAGSMITH_API_KEY",
        shown_auth="Api-Key ***",
        fake=lambda s: s.flagsmith,
        params=lambda s: {"provider": "flagsmith", "flag": "checkout", "environment": "prodEnvKey"},
        seed=lambda s, on: _seed_flagsmith(s.flagsmith, on),
        is_on=lambda s: s.flagsmith.is_enabled("prodEnvKey", "checkout"),
        write_method="POST",
        write_path=lambda on: "/api/experiments/environments/prodEnvKey/update-flag-v1/",
        write_body=lambda on: {"feature": {"name": "checkout"}, "enabled": on},
        write_content_type="application/json",
    ),
    FlagCase(
        provider="http",
        title="The flag service",
        token_field="flag_http_token",
        token_setting="FLAG_HTTP_TOKEN",
        shown_auth="Bearer ***",
        fake=lambda s: s.flag_http,
        params=lambda s: {
            "provider": "http",
            "flag": "checkout",
            "url": s.flag_http.url_for("flags/checkout"),
        },
        seed=lambda s, on: s.flag_http.set_flag("flags/checkout", on),
        is_on=lambda s: s.flag_http.is_enabled("flags/checkout"),
        write_method="PUT",
        write_path=lambda on: "/flags/checkout",
        write_body=lambda on: {"enabled": on},
        write_content_type="application/json",
    ),
]

"""The automated actions a playbook step may name, and the parameters each one takes.

Validation of playbook files checks steps against this catalogue; ``bot.playbooks.actions``
implements each entry. Credentials are never parameters: they come from settings or the environment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Param:
    type: type  # str, int, bool or dict; values are Jinja2 templates where ``type`` is str
    required: bool = True
    default: Any = None
    help: str = ""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class ActionSpec:
    name: str
    summary: str
    params: dict[str, Param] = field(default_factory=dict)


FLAG_PROVIDERS = ("launchdarkly", "unleash", "flagsmith", "http")

CATALOGUE: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in [
        ActionSpec(
            "feature_flag.disable",
            "turn a feature flag off in one environment (reads and records its state first)",
            {
                "provider": Param(str, choices=FLAG_PROVIDERS, help="where the flag lives"),
                "flag": Param(str, help="the flag's key (Flagsmith: the feature's name)"),
                "environment": Param(
                    str,
                    required=False,
                    help="environment key (LaunchDarkly, Unleash; Flagsmith: the environment's "
                    "API key); required for those providers",
                ),
                "project": Param(
                    str,
                    required=False,
                    default="default",
                    help="project key (LaunchDarkly, Unleash)",
                ),
                "url": Param(
                    str,
                    required=False,
                    help="generic HTTP provider: the flag's URL (GET reads, PUT writes "
                    '{"enabled": false})',
                ),
            },
        ),
        ActionSpec(
            "kubernetes.scale",
            "set a Deployment's replicas through its scale subresource, never above the cap",
            {
                "deployment": Param(str, help="the Deployment's name"),
                "namespace": Param(str, required=False, default="default"),
                "replicas": Param(
                    str,
                    help="an absolute count (`6`), a change (`+2`, `-1`) or a factor "
                    "(`x2`, `x1.5`, rounded up)",
                ),
                "max_replicas": Param(
                    int,
                    required=False,
                    help="cap for this step (the KUBERNETES_MAX_REPLICAS setting caps every step)",
                ),
            },
        ),
        ActionSpec(
            "http.request",
            "send a templated HTTP request (a runbook endpoint, a status page)",
            {
                "url": Param(str),
                "method": Param(
                    str,
                    required=False,
                    default="POST",
                    choices=("GET", "POST", "PUT", "PATCH", "DELETE"),
                ),
                "headers": Param(dict, required=False, default={}),
                "body": Param(str, required=False, help="request body (a template)"),
                "json": Param(dict, required=False, help="JSON body (values are templates)"),
                "auth_env": Param(
                    str,
                    required=False,
                    help="name of the environment variable holding the bearer token",
                ),
            },
        ),
    ]
}

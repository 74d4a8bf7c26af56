"""``services.yaml``: what can break, who gets paged for it, and where the team talks."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import UTC

from bot.config.hints import join
from bot.config.model import Service
from bot.config.names import unique_name
from bot.config.report import Item, Report
from bot.config.schema import ServiceModel
from bot.kernel.suggest import did_you_mean
from bot.oncall.domain.maintenance import Window
from bot.paging.domain.escalation import Urgency

CHANNEL = re.compile(r"^(#[a-z0-9_-]{1,80}|[CG][A-Z0-9]{2,})$")


def check_services(
    items: list[Item[ServiceModel]],
    policies: set[str],
    playbooks: Collection[str] | None,
    report: Report,
) -> list[Service]:
    """``policies``: every policy name declared; ``playbooks``: known names, None = not checked."""
    services: list[Service] = []
    seen: dict[str, int | None] = {}
    for item in items:
        before = len(report.errors)
        unique_name(item, "service", seen, report)
        service = item.model
        if service.escalation_policy not in policies:
            report.add(
                item,
                ("escalation_policy",),
                f"unknown escalation policy {service.escalation_policy!r}",
                join(
                    did_you_mean(service.escalation_policy, policies),
                    "define it in escalation_policies.yaml",
                ),
            )
        if service.team_channel is not None and not CHANNEL.match(service.team_channel):
            report.add(
                item,
                ("team_channel",),
                f"{service.team_channel!r} is not a Slack channel",
                "write '#channel-name' (in quotes: a bare # starts a YAML comment) or an id "
                "like C0123ABCD",
            )
        if playbooks is not None:
            for index, playbook in enumerate(service.playbooks):
                if playbook not in playbooks:
                    report.add(
                        item,
                        ("playbooks", index),
                        f"unknown playbook {playbook!r}",
                        join(did_you_mean(playbook, playbooks), "add it under playbooks/"),
                    )
        windows = _maintenance(item, report)
        if len(report.errors) == before:
            services.append(
                Service(
                    name=service.name,
                    escalation_policy=service.escalation_policy,
                    description=service.description,
                    urgency=Urgency(service.urgency),
                    team_channel=service.team_channel,
                    playbooks=tuple(service.playbooks),
                    maintenance=windows,
                )
            )
    return services


def _maintenance(item: Item[ServiceModel], report: Report) -> tuple[Window, ...]:
    """The service's planned windows; times need an offset (a service has no time zone)."""
    windows: list[Window] = []
    for index, model in enumerate(item.model.maintenance):
        aware = True
        for name in ("start", "end"):
            if getattr(model, name).tzinfo is None:
                aware = False
                report.add(
                    item,
                    ("maintenance", index, name),
                    f"{name} has no UTC offset",
                    "write it as ISO 8601 with an offset, like 2026-12-05T22:00:00+01:00",
                )
        if not aware:
            continue
        if model.end <= model.start:
            report.add(
                item,
                ("maintenance", index, "end"),
                "the maintenance window ends before it starts",
                "end must be after start",
            )
            continue
        start, end = model.start.astimezone(UTC), model.end.astimezone(UTC)
        windows.append(Window(item.model.name, start, end, model.reason))
    return tuple(windows)

"""``escalation_policies.yaml``: levels, targets, delays and repeats, checked and built."""

from __future__ import annotations

from bot.config.hints import join
from bot.config.names import unique_name
from bot.config.report import Item, Loc, Report
from bot.config.schema import LevelModel, PolicyModel
from bot.config.users import People
from bot.kernel.suggest import did_you_mean
from bot.paging.domain.escalation import EscalationLevel, EscalationPolicy, Target

MAX_REPEAT = 9  # PagerDuty's own limit; more would keep paging for hours after everyone slept


def check_policies(
    items: list[Item[PolicyModel]],
    people: People,
    schedules: set[str],
    report: Report,
) -> list[EscalationPolicy]:
    """``schedules``: every schedule name declared, valid or not (unknown ones are reported)."""
    policies: list[EscalationPolicy] = []
    seen: dict[str, int | None] = {}
    for item in items:
        before = len(report.errors)
        unique_name(item, "escalation policy", seen, report)
        policy = item.model
        if not policy.levels:
            report.add(
                item,
                ("levels",),
                "a policy with no levels",
                "add a level: '- delay_minutes: 15' with 'targets: [{schedule: <name>}]'",
            )
        if not 0 <= policy.repeat <= MAX_REPEAT:
            report.add(
                item,
                ("repeat",),
                f"repeat must be between 0 and {MAX_REPEAT}, got {policy.repeat}",
                "repeat counts the extra passes after the last level (0 = once through)",
            )
        elif (
            policy.repeat > 0
            and policy.levels
            and all(level.delay_minutes == 0 for level in policy.levels)
        ):
            report.add(
                item,
                ("repeat",),
                "repeat with every delay at 0 would notify all passes at once",
                "give at least one level a delay_minutes above 0, or set repeat: 0",
            )
        levels = [
            _level(item, ("levels", index), level, people, schedules, report)
            for index, level in enumerate(policy.levels)
        ]
        built = tuple(level for level in levels if level is not None)
        # A level can fail silently (a user whose own entry is invalid): build only whole policies.
        if len(report.errors) == before and built and len(built) == len(levels):
            policies.append(EscalationPolicy(policy.name, built, policy.repeat))
    return policies


def _level(
    item: Item[PolicyModel],
    at: Loc,
    level: LevelModel,
    people: People,
    schedules: set[str],
    report: Report,
) -> EscalationLevel | None:
    ok = True
    if level.delay_minutes < 0:
        report.add(
            item,
            (*at, "delay_minutes"),
            f"negative delay: {level.delay_minutes}",
            "delay_minutes is how long this level has to acknowledge before the next: 0 or more",
        )
        ok = False
    if not level.targets:
        report.add(
            item,
            (*at, "targets"),
            "a level with no targets",
            "add '- user: <Slack id or email>' or '- schedule: <name>'",
        )
        ok = False
    targets: list[Target] = []
    for index, target in enumerate(level.targets):
        where = (*at, "targets", index)
        if (target.user is None) == (target.schedule is None):
            report.add(
                item,
                where,
                "a target is either a user or a schedule",
                "write '- user: <Slack id or email>' or '- schedule: <name>'",
            )
            ok = False
        elif target.user is not None:
            ref = people.canonical(target.user, item, (*where, "user"), report)
            if ref is None:
                ok = False
            else:
                targets.append(Target.user(ref))
        elif target.schedule is not None:
            if target.schedule not in schedules:
                report.add(
                    item,
                    (*where, "schedule"),
                    f"unknown schedule {target.schedule!r}",
                    join(did_you_mean(target.schedule, schedules), "define it in schedules.yaml"),
                )
                ok = False
            else:
                targets.append(Target.schedule(target.schedule))
    if not ok:
        return None
    return EscalationLevel(tuple(targets), level.delay_minutes, level.invite == "on_page")

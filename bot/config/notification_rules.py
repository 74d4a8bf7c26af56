"""``notification_rules:`` of a user in ``users.yaml``: which contact, how long after the page.

A rule names ``slack`` or a channel the user's ``notify:`` block configures; the known names come
from ``NotifyModel``'s fields, so a channel added there is a contact here with no change.
"""

from __future__ import annotations

from bot.config.hints import join
from bot.config.report import Item, Report
from bot.config.schema import NotifyModel, RuleModel, UserModel
from bot.kernel.suggest import did_you_mean
from bot.paging.domain.rules import SLACK, NotificationRule, NotificationRules

KNOWN = (SLACK, *NotifyModel.model_fields)


def check_rules(item: Item[UserModel], report: Report) -> NotificationRules:
    """The user's rules, after reporting each rule that is not right (the file is then refused)."""
    given = item.model.notification_rules
    if given is None:
        return NotificationRules()
    notify = item.model.notify
    configured = {SLACK, *(name for name in NotifyModel.model_fields if getattr(notify, name))}
    high = _rules(item, "high", given.high, configured, report)
    low = _rules(item, "low", given.low, configured, report)
    return NotificationRules(high, low)


def _rules(
    item: Item[UserModel],
    urgency: str,
    rules: list[RuleModel] | None,
    configured: set[str],
    report: Report,
) -> tuple[NotificationRule, ...]:
    if rules is None:
        return ()
    at = ("notification_rules", urgency)
    if not rules:
        other = "low" if urgency == "high" else "high"
        report.add(
            item,
            at,
            f"no {urgency}-urgency rules: such a page would reach {item.model.name} by nothing",
            f"list at least one rule (e.g. - contact: slack), or leave {urgency}: out to use the "
            f"{other} list",
        )
        return ()
    seen: dict[tuple[str, int], int | None] = {}
    result: list[NotificationRule] = []
    for index, rule in enumerate(rules):
        sub = (*at, index)
        if not _contact_ok(item, sub, rule.contact, configured, report):
            continue
        if rule.after_minutes < 0:
            report.add(
                item,
                (*sub, "after_minutes"),
                f"after_minutes must not be negative, got {rule.after_minutes}",
                "0 (or leaving it out) means at once",
            )
            continue
        step = (rule.contact, rule.after_minutes)
        if step in seen:
            report.add(
                item,
                sub,
                f"duplicate rule: {rule.contact} after {rule.after_minutes} minutes",
                f"the same rule is at line {seen[step]}; remove one",
            )
            continue
        seen[step] = item.line(*sub)
        result.append(NotificationRule(rule.contact, rule.after_minutes))
    return tuple(result)


def _contact_ok(
    item: Item[UserModel],
    sub: tuple[int | str, ...],
    contact: str,
    configured: set[str],
    report: Report,
) -> bool:
    if contact not in KNOWN:
        report.add(
            item,
            (*sub, "contact"),
            f"unknown contact {contact!r}",
            join(did_you_mean(contact, KNOWN), f"a contact is one of {', '.join(KNOWN)}"),
        )
        return False
    if contact not in configured:
        report.add(
            item,
            (*sub, "contact"),
            f"{item.model.name} has no {contact} contact",
            f"add {contact}: under their notify: block (see config/README.md), or remove this rule",
        )
        return False
    return True

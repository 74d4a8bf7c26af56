"""``feature_flag.disable`` and its undo-only twin ``feature_flag.enable``.

``plan`` reads the flag's state in the environment through its provider and records it as
``before`` ("on"/"off"); when the flag is already in the wanted state the plan
``changes_nothing`` and lists no call. ``run`` sends the write the plan listed (no second read:
Run does what the confirmation showed) and returns the undo, the twin action with the same
parameters. Both writes set a state, so repeating one is harmless.

A provider (:class:`FlagProvider`) knows its request shapes and its error answers; the shared
reading and writing is here. Providers: ``launchdarkly``, ``unleash``, ``flagsmith``, ``http``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.playbooks.actions import params as p
from bot.playbooks.actions.base import ActionError, Outcome, Plan, Undo
from bot.playbooks.actions.failures import Advice, refused
from bot.playbooks.actions.http import RUN_KEY_PLACEHOLDER, ActionHttp, Call, Reply

DISABLE = "feature_flag.disable"
ENABLE = "feature_flag.enable"


@dataclass(frozen=True)
class FlagRef:
    """Which flag, from the step's parameters (empty strings where a provider needs none)."""

    flag: str
    environment: str
    project: str
    url: str


class FlagProvider(ABC):
    """Reads and writes one provider's flags; subclasses give request shapes and wording."""

    title: str  # e.g. "LaunchDarkly"
    required: tuple[str, ...] = ()  # FlagRef fields this provider needs
    advice: Advice

    def __init__(self, http: ActionHttp) -> None:
        self.http = http

    @abstractmethod
    def describe(self, ref: FlagRef) -> str:
        """e.g. "flag `checkout` (project default, environment production)"."""

    @abstractmethod
    def read_call(self, ref: FlagRef) -> Call: ...

    @abstractmethod
    def is_on(self, reply: Reply, ref: FlagRef) -> bool:
        """The state in a successful read; :class:`ActionError` when the answer lacks it."""

    @abstractmethod
    def write_call(self, ref: FlagRef, on: bool, key: str) -> Call: ...

    def special_failure(self, reply: Reply, doing: str) -> ActionError | None:
        """A provider-specific wording for ``reply`` (e.g. a pending approval), if any."""
        return None

    # -- shared behaviour -----------------------------------------------------------------------

    def target(self, ref: FlagRef) -> str:
        return f"{self.title} {self.describe(ref)}"

    def check(self, ref: FlagRef, action: str) -> None:
        for name in self.required:
            if not getattr(ref, name):
                raise ActionError(
                    f"{action}: parameter `{name}` is required for {self.title}.", retryable=False
                )

    def read(self, ref: FlagRef) -> bool:
        call = self.read_call(ref)
        doing = f"reading {self.target(ref)}"
        reply = self.http.send(call, provider=self.title, doing=doing)
        if not reply.ok:
            raise self._failure(reply, doing, call)
        return self.is_on(reply, ref)

    def write(self, ref: FlagRef, on: bool, key: str) -> None:
        call = self.write_call(ref, on, key)
        doing = f"turning {_word(on)} {self.target(ref)}"
        reply = self.http.send(call, provider=self.title, doing=doing)
        if not reply.ok:
            raise self._failure(reply, doing, call)

    def unexpected(self, ref: FlagRef, what: str) -> ActionError:
        return ActionError(
            f"{self.title} answered the read of {self.describe(ref)} without {what}. "
            "Check the step's parameters and the provider's URL setting.",
            retryable=False,
        )

    def _failure(self, reply: Reply, doing: str, call: Call) -> ActionError:
        special = self.special_failure(reply, doing)
        if special is not None:
            return special
        advice = self.advice.for_status(reply.status, self.title)
        return refused(self.title, doing, reply, advice, secrets=call.secrets)


class FeatureFlagToggle:
    """``feature_flag.disable`` (``on=False``) or ``feature_flag.enable`` (``on=True``)."""

    def __init__(self, name: str, on: bool, providers: Mapping[str, FlagProvider]) -> None:
        self.name = name
        self.on = on
        self._providers = providers

    def plan(self, params: Mapping[str, Any]) -> Plan:
        provider, ref = self._resolve(params)
        before = provider.read(ref)
        changes_nothing = before == self.on
        calls = () if changes_nothing else (provider.write_call(ref, self.on, RUN_KEY_PLACEHOLDER),)
        return Plan(
            action=self.name,
            params=dict(params),
            target=provider.target(ref),
            before=_word(before),
            after=_word(self.on),
            calls=tuple(call.shown() for call in calls),
            changes_nothing=changes_nothing,
            state={"on": before},
        )

    def run(self, plan: Plan, idempotency_key: str) -> Outcome:
        provider, ref = self._resolve(plan.params)
        if plan.changes_nothing:
            summary = f"{plan.target}: already {plan.after}, nothing was changed"
            return Outcome(summary, plan.before, plan.after, None)
        provider.write(ref, self.on, idempotency_key)
        verb = "turn off again" if self.on else "re-enable"
        undo = Undo(ENABLE if not self.on else DISABLE, dict(plan.params), f"{verb} {plan.target}")
        summary = f"{plan.target}: {plan.before} -> {plan.after}"
        return Outcome(summary, plan.before, plan.after, undo)

    def _resolve(self, params: Mapping[str, Any]) -> tuple[FlagProvider, FlagRef]:
        name = p.required_text(params, self.name, "provider").lower()
        provider = self._providers.get(name)
        if provider is None:
            known = ", ".join(sorted(self._providers))
            raise ActionError(
                f"{self.name}: unknown provider `{name}` (known: {known}).", retryable=False
            )
        ref = FlagRef(
            flag=p.required_text(params, self.name, "flag"),
            environment=p.text(params, self.name, "environment"),
            project=p.text(params, self.name, "project", "default"),
            url=p.text(params, self.name, "url"),
        )
        provider.check(ref, self.name)
        return provider, ref


def _word(on: bool) -> str:
    return "on" if on else "off"

"""Wording a provider's error answer for the incident channel.

A message says who answered what to which request, in the API's own words, and what to do:
"LaunchDarkly answered HTTP 401 while turning off flag `checkout` (project default, environment
production): Invalid access token. Check that LAUNCHDARKLY_API_TOKEN holds a valid API access
token with writer rights on the project."

Retryable: 409 (a concurrent change), 429 and 5xx; another try may succeed as it is. Not
retryable: other statuses; someone has to fix a credential, a name or a setting first.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import SecretStr

from bot.playbooks.actions.base import ActionError
from bot.playbooks.actions.http import Reply, api_message


@dataclass(frozen=True)
class Advice:
    """What a provider tells people to check, by status.

    ``setting`` names the credential setting; ``credential`` says what it should hold (e.g. "an
    API access token"); ``rights`` what it needs (e.g. "writer rights on the project");
    ``not_found`` what to check on a 404.
    """

    setting: str
    credential: str
    rights: str
    not_found: str

    def for_status(self, status: int, provider: str) -> str:
        if status == 401:
            return f"Check that {self.setting} holds {self.credential}."
        if status == 403:
            return f"Check that the credential in {self.setting} has {self.rights}."
        if status == 404:
            return self.not_found
        if status == 409:
            return "Someone changed it at the same moment: run the step again."
        if status == 429:
            return f"{provider} is rate limiting the bot: run the step again in a minute."
        if status >= 500:
            return f"{provider} is failing: run the step again later, or make the change there."
        return "Check the step's parameters."


def retryable_status(status: int) -> bool:
    return status in (409, 429) or status >= 500


def refused(
    provider: str,
    doing: str,
    reply: Reply,
    advice: str,
    *,
    retryable: bool | None = None,
    secrets: tuple[str, ...] = (),
) -> ActionError:
    """The :class:`ActionError` for ``reply``, an answer other than 2xx."""
    message = (
        f"{provider} answered HTTP {reply.status} while {doing}: "
        f"{api_message(reply, secrets).rstrip('.')}. {advice}"
    )
    if retryable is None:
        retryable = retryable_status(reply.status)
    return ActionError(message, retryable=retryable)


def missing_setting(provider: str, setting: str, holds: str) -> ActionError:
    """A credential or URL the step needs is not configured."""
    return ActionError(
        f"{provider} is not configured: set {setting} (it should hold {holds}) and restart the "
        "bot, then run the step again.",
        retryable=False,
    )


def credential(secret: SecretStr | None, provider: str, setting: str, holds: str) -> str:
    """The value of a secret setting, or :func:`missing_setting` when it is unset or blank."""
    value = secret.get_secret_value().strip() if secret is not None else ""
    if not value:
        raise missing_setting(provider, setting, holds)
    return value

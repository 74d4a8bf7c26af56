"""Outbound paging: PagerDuty Events API v2, Opsgenie Alert API, a generic signed webhook, and
SMS and voice calls through Twilio.

The paging service calls :class:`Notifiers` (a :class:`Notifier` over every channel type) with a
:class:`PageNotice`; a page that cannot be delivered raises :class:`DeliveryFailed`, which says
whether it is ``permanent`` or ``retryable``. The Slack DM is not here: it is always sent, by the
Slack adapter.

Map (each module's docstring states its contract):

- ``facade``     :class:`Notifier` (the protocol) and :class:`Notifiers` (choose by channel).
- ``notice``     :class:`PageNotice`, severity mappings, truncation and key-length rules.
- ``delivery``   :class:`Sender`: a page's request through the kernel's HTTP sender
  (:mod:`bot.kernel.http`: timeouts, retries, backoff, time budget), failures as
  :class:`DeliveryFailed`.
- ``pagerduty``, ``opsgenie``, ``webhook``, ``twilio``: one module per provider, with its request
  shapes (Twilio's replies and key presses come back through :mod:`bot.paging.web.twilio`).
- ``signing``    the webhook signature scheme, with the verifier receivers use.
- ``secrets``    reading a credential from the setting a channel names.
- ``errors``     :class:`DeliveryFailed`.
"""

from bot.kernel.http import RetryPolicy, Timeouts
from bot.paging.notify.errors import DeliveryFailed
from bot.paging.notify.facade import Notifier, Notifiers
from bot.paging.notify.notice import PageNotice
from bot.paging.notify.opsgenie import DEFAULT_OPSGENIE_URL, EU_OPSGENIE_URL
from bot.paging.notify.pagerduty import DEFAULT_PAGERDUTY_URL
from bot.paging.notify.secrets import SecretLookup
from bot.paging.notify.signing import signed_headers, verify_request, verify_signature

__all__ = [
    "DEFAULT_OPSGENIE_URL",
    "DEFAULT_PAGERDUTY_URL",
    "EU_OPSGENIE_URL",
    "DeliveryFailed",
    "Notifier",
    "Notifiers",
    "PageNotice",
    "RetryPolicy",
    "SecretLookup",
    "Timeouts",
    "signed_headers",
    "verify_request",
    "verify_signature",
]

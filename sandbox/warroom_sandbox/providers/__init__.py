"""Local fakes of the paging, flag and Kubernetes APIs, on loopback for tests and the sandbox.

Each is a context manager with ``.url`` (point the bot's base URL setting at it), query helpers,
and failure injection shared through :class:`FakeProvider`: ``fail(times, status=500|429|400)``,
``timeout(times, seconds)``, ``refuse_connections()`` / ``accept_connections()``.

- ``pagerduty`` :class:`FakePagerDuty`: Events API v2 (``/v2/enqueue``), dedup by ``dedup_key``.
- ``opsgenie``  :class:`FakeOpsgenie`: Alert API (create/acknowledge/close), dedup by ``alias``.
- ``webhook``   :class:`FakeWebhookReceiver`: verifies signatures, dedups on ``Idempotency-Key``.
- ``twilio``    :class:`FakeTwilio`: Messages and Calls, status callbacks, and the phones that
  reply or press a key (signed like Twilio).
- ``launchdarkly``, ``unleash``, ``flagsmith``, ``flag_http``: flag admin APIs (seed flags, read
  their state, answer as the real APIs do, including pending approvals and change requests).
- ``kubernetes`` :class:`FakeKubernetes`: Deployments' ``scale`` subresource, ``dryRun=All``.
- ``base``      :class:`FakeProvider`, :class:`RecordedRequest`: the shared machinery;
  ``admin`` :class:`FakeAdminApi`: tokens with or without write rights, slow answers.
"""

from warroom_sandbox.providers.admin import FakeAdminApi
from warroom_sandbox.providers.base import FakeProvider, RecordedRequest
from warroom_sandbox.providers.flag_http import FakeFlagHttp
from warroom_sandbox.providers.flagsmith import FakeFlagsmith
from warroom_sandbox.providers.kubernetes import FakeKubernetes
from warroom_sandbox.providers.launchdarkly import FakeLaunchDarkly
from warroom_sandbox.providers.opsgenie import FakeOpsgenie, OpsgenieAction, OpsgenieAlert
from warroom_sandbox.providers.pagerduty import FakePagerDuty, PagerDutyIncident
from warroom_sandbox.providers.twilio import FakeTwilio, TwilioCall, TwilioMessage
from warroom_sandbox.providers.unleash import FakeUnleash
from warroom_sandbox.providers.webhook import FakeWebhookReceiver, WebhookDelivery

__all__ = [
    "FakeAdminApi",
    "FakeFlagHttp",
    "FakeFlagsmith",
    "FakeKubernetes",
    "FakeLaunchDarkly",
    "FakeOpsgenie",
    "FakePagerDuty",
    "FakeProvider",
    "FakeTwilio",
    "FakeUnleash",
    "FakeWebhookReceiver",
    "OpsgenieAction",
    "OpsgenieAlert",
    "PagerDutyIncident",
    "RecordedRequest",
    "TwilioCall",
    "TwilioMessage",
    "WebhookDelivery",
]

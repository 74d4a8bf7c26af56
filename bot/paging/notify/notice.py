"""What a page says, independent of the provider, and the provider-neutral text rules.

:class:`PageNotice` is built by the paging service; each notifier renders it in its provider's
shape. The helpers here keep every rendered field inside the provider's limits:

- :func:`shorten` cuts text at a word boundary and marks the cut with an ellipsis (a title cut
  mid-word reads worse than one a word shorter);
- :func:`bounded_key` keeps an idempotency key within a length limit *deterministically*: a key
  that fits is returned unchanged, a longer one becomes a prefix plus a SHA-256 of the whole key,
  so calling it again on either form gives the same provider key (acknowledge and resolve can be
  given the original key or the one :meth:`Notifier.trigger` returned).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from bot.incidents.domain.severity import Severity

SOURCE = "warroom"

PAGERDUTY_SEVERITY: Mapping[Severity, str] = MappingProxyType(
    {
        Severity.SEV1: "critical",
        Severity.SEV2: "error",
        Severity.SEV3: "warning",
        Severity.SEV4: "info",
    }
)
OPSGENIE_PRIORITY: Mapping[Severity, str] = MappingProxyType(
    {Severity.SEV1: "P1", Severity.SEV2: "P2", Severity.SEV3: "P3", Severity.SEV4: "P4"}
)


def channel_url(channel_id: str) -> str:
    """A link that opens a Slack channel for anyone in the workspace (Slack's app_redirect)."""
    return f"https://slack.com/app_redirect?channel={channel_id}"


@dataclass(frozen=True)
class PageNotice:
    """One page of one person for one incident.

    ``dedup_key`` is the page's deterministic idempotency key (e.g. ``incident:42:escalation:2:
    loop:0``): sending the same notice twice must never page twice. ``link`` is the incident
    channel's URL (``channel_url``: opens it in Slack from a pager app); ``channel_id`` and
    ``channel_name`` name it. ``recipient`` and ``recipient_email`` name the
    person paged (the email becomes an Opsgenie user responder). ``details`` are extra
    string facts shown by the provider (PagerDuty ``custom_details``, Opsgenie ``details``).
    ``reply_code`` is the short code that acknowledges the page when texted back (SMS only).
    A plain ``"SEV2"`` is accepted for ``severity``.
    """

    incident_number: int
    title: str
    severity: Severity
    summary: str
    dedup_key: str
    link: str | None = None
    channel_id: str | None = None
    channel_name: str | None = None
    service: str | None = None
    recipient: str | None = None
    recipient_email: str | None = None
    level: int | None = None
    at: datetime | None = None
    details: Mapping[str, str] = field(default_factory=dict)
    source: str = SOURCE
    reply_code: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "severity", Severity(self.severity))
        object.__setattr__(self, "details", MappingProxyType(dict(self.details)))
        if not self.dedup_key:
            raise ValueError("a page needs a dedup_key")
        if self.at is not None and self.at.tzinfo is None:
            raise ValueError("PageNotice.at must be timezone-aware")

    @property
    def headline(self) -> str:
        """``[SEV2] #1 Checkout latency high``: the title line every provider shows."""
        return f"[{self.severity.value}] #{self.incident_number} {self.title}"


def shorten(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters, cut at a word boundary with ``…`` when needed."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= limit // 2:  # a very long word is cut inside rather than losing half the text
        cut = cut[:space]
    return cut.rstrip() + "…"


def bounded_key(key: str, limit: int) -> str:
    """``key`` if it fits in ``limit`` characters, else a stable shortened form (see above)."""
    if len(key) <= limit:
        return key
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    return f"{key[: limit - len(digest) - 1]}~{digest}"


def header_key(key: str, limit: int = 255) -> str:
    """A form of ``key`` that is safe in an HTTP header: printable ASCII, bounded, stable."""
    if key.isascii() and key.isprintable():
        return bounded_key(key, limit)
    return "sha256-" + hashlib.sha256(key.encode("utf-8")).hexdigest()

"""Kinds of the durable timers that carry a page's side effects."""

PAGE_ESCALATE = "page.escalate"  # one escalation decision for a page
PAGE_DELIVER = "page.deliver"  # notify one person through one channel
PAGE_PROVIDER_UPDATE = "page.provider_update"  # acknowledge/resolve at the provider, update the DM

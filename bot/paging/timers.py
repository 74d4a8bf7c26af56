"""Kinds and keys of the durable timers that carry a page's side effects."""

PAGE_ESCALATE = "page.escalate"  # one escalation decision for a page
PAGE_DELIVER = "page.deliver"  # notify one person through one channel
PAGE_PROVIDER_UPDATE = "page.provider_update"  # acknowledge/resolve at the provider, update the DM


def escalation_key(page_id: int) -> str:
    """The one escalation timer of a page: rescheduled after each decision."""
    return f"page:{page_id}:escalation"


def delivery_key(delivery_id: int) -> str:
    """The timer of one delivery (a person, a contact, a rule step), due when the step is."""
    return f"delivery:{delivery_id}"

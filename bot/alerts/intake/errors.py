"""Refusals of a webhook request, with the HTTP status the sender gets."""

from __future__ import annotations

MAX_MESSAGE = 500  # a refusal quotes the sender's input; a huge one is cut, not echoed whole


class Rejected(ValueError):
    """The request is refused as a whole (nothing is stored); ``message`` says what to fix.

    The message is cut to ``MAX_MESSAGE`` characters and made encodable (a lone surrogate from
    the input is escaped), so it can always be answered as JSON and logged.
    """

    def __init__(self, status: int, message: str) -> None:
        if len(message) > MAX_MESSAGE:
            message = message[: MAX_MESSAGE - 1] + "…"
        message = message.encode("utf-8", "backslashreplace").decode("utf-8")
        super().__init__(message)
        self.status = status
        self.message = message


def invalid(message: str) -> Rejected:
    """Well-formed JSON that is not a valid payload: 422."""
    return Rejected(422, message)

"""Refusals of a webhook request, with the HTTP status the sender gets."""

from __future__ import annotations


class Rejected(ValueError):
    """The request is refused as a whole (nothing is stored); ``message`` says what to fix."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def invalid(message: str) -> Rejected:
    """Well-formed JSON that is not a valid payload: 422."""
    return Rejected(422, message)

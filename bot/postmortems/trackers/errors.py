"""How a tracker call failed, worded for the incident channel."""

from __future__ import annotations


class TrackerError(Exception):
    """``permanent``: retrying cannot help (a bad token, a missing repository, a refused issue);
    else try again, after ``retry_after`` seconds when the tracker said how long."""

    def __init__(self, message: str, *, permanent: bool, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.retry_after = retry_after

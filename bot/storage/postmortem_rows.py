"""Tables of post-mortem drafts, versions and reviews."""

from __future__ import annotations

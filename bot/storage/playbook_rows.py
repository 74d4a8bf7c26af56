"""Tables of playbook runs and their steps."""

from __future__ import annotations

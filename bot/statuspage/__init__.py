"""The built-in public status page (``/status``, ``/status.json``, ``/status/feed.atom``)."""

"""The post-mortem review page."""

"""Retention: forget what is only useful for a while, in small batches."""

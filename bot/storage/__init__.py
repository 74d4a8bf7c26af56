"""Persistence adapters: SQLAlchemy 2 models, repositories and the migration runner."""

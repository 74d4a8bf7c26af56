"""The database: engines, the declarative base, column types, the migration runner."""

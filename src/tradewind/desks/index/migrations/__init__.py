"""Alembic revisions of the index desk's tables (its own version table: index_alembic_version)."""

"""Alembic revisions, one file each (a package so that the wheel ships them)."""

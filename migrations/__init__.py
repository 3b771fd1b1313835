"""Alembic migrations; every schema change goes through here."""

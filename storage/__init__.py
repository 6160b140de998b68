"""Persistence: SQLAlchemy models and repositories, the encrypted FSM storage, migrations."""

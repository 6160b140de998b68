"""Tables. No column holds a Telegram id, a name or message text in the clear."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, LargeBinary, MetaData, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.types import UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Person(Base):
    """Someone who has talked to the bot, known only by a keyed hash of their Telegram id."""

    __tablename__ = "person"

    pseudonym: Mapped[str] = mapped_column(String(64), primary_key=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FsmRecord(Base):
    """A conversation in progress: state and draft, each sealed with the server key."""

    __tablename__ = "fsm_record"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[bytes | None] = mapped_column(LargeBinary)
    data: Mapped[bytes | None] = mapped_column(LargeBinary)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class HandledUpdate(Base):
    """Telegram updates whose effects are committed, so a re-delivered one is not handled twice."""

    __tablename__ = "handled_update"

    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    handled_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)

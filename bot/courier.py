"""Telegram calls made while an update is handled wait for its commit, then go out in order.

A handler answers as it always did (`message.answer(...)`, `bot.send_message(...)`,
`callback.answer()`), but while the update pipeline holds a unit of work those calls are only
*collected*: a request middleware keeps them, in order, and hands back a placeholder. Once the
unit of work has committed, `Courier.deliver` performs them one by one, in that order, and then
writes down what reached the phone (ids for /erase, messages to delete after Read, outbox rows
sent). So no transaction waits on Telegram, and nothing reaches a phone for an update that then
rolled back.

What must survive a crash (a receipt, a reference) is *durable*: inside `replies.durable(...)`
the message is also written to the outbox in the unit of work, and the courier marks it sent
once Telegram has it. If the bot dies first, the outbox sends the very same message on the next
start: the person never gets a second, different receipt. What must never rest in the database
(a decrypted report) is sent from memory only; after a crash the reader taps Read again.

A call that reads from Telegram (getFile, a download) has no place in a unit of work: it is
refused, loudly, so that the rule cannot be broken by accident. Files are fetched before the
transaction (see bot.pipeline).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, cast

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import (
    DeleteMessage,
    DeleteMessages,
    SendMessage,
    TelegramMethod,
)
from aiogram.methods.base import Response, TelegramType
from aiogram.types import InlineKeyboardMarkup, Message, MessageId

from bot.clock import RandomSource
from bot.outbox import Outbox
from bot.shown import ShownMessages
from bot.telegram_calls import EFFECTS, SENDS, chat_of
from bot.trail import ChatTrail
from storage.db import Database

logger = logging.getLogger(__name__)

DELETE_ONE_BY_ONE_LIMIT: Final = 100


class NetworkInsideTransactionError(RuntimeError):
    """A Telegram call that must be made before (or after) the transaction, not inside it."""


class NotSentYet:
    """What a collected call hands back: its result exists only after the commit."""

    def __init__(self, method: TelegramMethod[Any]) -> None:
        self._method = type(method).__name__

    def __getattr__(self, name: str) -> Any:
        raise NetworkInsideTransactionError(
            f"the result of {self._method} is not known until the update commits"
        )


@dataclass(frozen=True)
class DeferredCall:
    method: TelegramMethod[Any]
    chat_id: int | None
    # Durable: the outbox row that holds the same message, marked sent once delivered.
    outbox_id: int | None = None
    # Shown after Read: deleted from the chat at this moment.
    delete_at: datetime | None = None
    # Erasing: trail rows forgotten once the deletion went through.
    forget_rows: tuple[int, ...] = ()


@dataclass
class Replies:
    """What one update will do to chats, in order, and the messages it received."""

    batch: str
    calls: list[DeferredCall] = field(default_factory=list)
    incoming: list[tuple[int, int]] = field(default_factory=list)
    _durable: str | None = None
    # Which message of the durable block comes next: each is once-only on its own.
    _durable_index: int = 0
    durable_priority: int = 0
    durable_case_id: int | None = None
    _delete_at: datetime | None = None
    _forget_rows: tuple[int, ...] = ()

    @contextlib.contextmanager
    def durable(
        self, purpose: str, priority: int = 0, case_id: int | None = None
    ) -> Iterator[None]:
        """Messages sent in here survive a crash (outbox); `purpose` makes them once-only.
        `case_id` ties them to their case, which retention deletes them with."""
        self._durable, self.durable_priority, self._durable_index = purpose, priority, 0
        self.durable_case_id = case_id
        try:
            yield
        finally:
            self._durable = None
            self.durable_case_id = None

    @contextlib.contextmanager
    def shown_briefly(self, delete_at: datetime) -> Iterator[None]:
        """Messages sent in here are deleted from the chat at `delete_at`."""
        self._delete_at = delete_at
        try:
            yield
        finally:
            self._delete_at = None

    @contextlib.contextmanager
    def erasing(self, trail_rows: Sequence[int]) -> Iterator[None]:
        """Deletions in here make these trail rows useless once they went through."""
        self._forget_rows = tuple(trail_rows)
        try:
            yield
        finally:
            self._forget_rows = ()

    def next_durable_purpose(self) -> str | None:
        """The once-only purpose of the next durable message (None outside a durable block)."""
        if self._durable is None:
            return None
        self._durable_index += 1
        return f"{self._durable}|{self._durable_index}"

    def received(self, chat_id: int, message_id: int) -> None:
        self.incoming.append((chat_id, message_id))

    def chats_sent_to(self) -> set[int]:
        return {c.chat_id for c in self.calls if c.chat_id is not None and _is_send(c.method)}


class GroupCommit:
    """Writes that many lanes wait for, committed together: while one commit is in progress the
    next ones gather, and whoever commits next commits them all.

    Each update's delivery ends with a small write (the ids that reached the phone, the outbox
    message marked sent): a transaction of its own, on SQLite a turn of the single writer and a
    sync to disk. Under a burst those were half of all commits. Gathered, one commit serves as
    many as were waiting, and with nobody else waiting a write commits at once, as before. Each
    caller still returns only once its own write is committed (or raises if it failed).
    """

    def __init__(self, database: Database) -> None:
        self._database = database
        self._waiting: list[tuple[Callable[[], Awaitable[None]], asyncio.Future[None]]] = []
        self._turn = asyncio.Lock()

    async def commit(self, write: Callable[[], Awaitable[None]]) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((write, done))
        async with self._turn:
            if not done.done():
                batch, self._waiting = self._waiting, []
                await self._commit(batch)
        await done

    async def _commit(
        self, batch: list[tuple[Callable[[], Awaitable[None]], asyncio.Future[None]]]
    ) -> None:
        try:
            async with self._database.transaction():
                for write, _ in batch:
                    await write()
        except Exception as failure:
            if len(batch) == 1:
                batch[0][1].set_exception(failure)
                return
            # One write spoiled the batch: each on its own, so only its own caller hears.
            for write, done in batch:
                try:
                    async with self._database.transaction():
                        await write()
                except Exception as alone:
                    done.set_exception(alone)
                else:
                    done.set_result(None)
            return
        except BaseException:
            for _, done in batch:
                done.cancel()
            raise
        for _, done in batch:
            done.set_result(None)


class Courier:
    """Collects an update's calls while it is handled, and delivers them after the commit."""

    def __init__(
        self,
        database: Database,
        outbox: Outbox,
        trail: ChatTrail,
        shown: ShownMessages,
        random: RandomSource,
    ) -> None:
        self._database = database
        self._outbox = outbox
        self._trail = trail
        self._shown = shown
        self._random = random
        self._collecting: ContextVar[Replies | None] = ContextVar(
            f"safeperson_replies_{id(self)}", default=None
        )
        self._write_downs = GroupCommit(database)

    def middleware(self) -> DeferUntilCommitted:
        return DeferUntilCommitted(self)

    def new_replies(self) -> Replies:
        return Replies(batch=self._random.token_bytes(12).hex())

    @contextlib.contextmanager
    def collecting(self, replies: Replies) -> Iterator[Replies]:
        token = self._collecting.set(replies)
        try:
            yield replies
        finally:
            self._collecting.reset(token)

    def current(self) -> Replies | None:
        return self._collecting.get()

    async def collect(self, replies: Replies, method: TelegramMethod[Any]) -> None:
        chat_id = chat_of(method)
        outbox_id = None
        purpose = replies.next_durable_purpose() if isinstance(method, SendMessage) else None
        if purpose is not None and chat_id is not None and isinstance(method, SendMessage):
            outbox_id = await self._outbox.enqueue_message(
                chat_id,
                method.text,
                priority=replies.durable_priority,
                purpose=purpose,
                buttons=_buttons_of(method.reply_markup),
                delivered_by_courier=True,
                case_id=replies.durable_case_id,
            )
            if outbox_id is None:
                return  # the same purpose was queued before (a repeated update): once only
        replies.calls.append(
            DeferredCall(
                method,
                chat_id,
                outbox_id=outbox_id,
                delete_at=replies._delete_at,
                forget_rows=replies._forget_rows if isinstance(method, DeleteMessages) else (),
            )
        )

    async def write_marks(self, replies: Replies) -> None:
        """In the update's unit of work: the messages it received, and a mark for each chat
        it is about to send to (dropped again once every id sent is known)."""
        by_chat: dict[int, list[int]] = {}
        for chat_id, message_id in replies.incoming:
            by_chat.setdefault(chat_id, []).append(message_id)
        for chat_id, message_ids in by_chat.items():
            await self._trail.record(chat_id, replies.batch, message_ids)
        for chat_id in replies.chats_sent_to():
            await self._trail.mark(chat_id, replies.batch)

    async def deliver(self, bot: Bot, replies: Replies) -> None:
        """Perform the calls in order, then write down what reached the phones. Never raises
        for a refused call: the update is committed, and a refusal is logged and left."""
        sent: dict[int, list[int]] = {}
        uncertain: set[int] = set()
        gone: set[int] = set()
        outcomes: list[tuple[DeferredCall, list[int]]] = []
        for call in replies.calls:
            if call.chat_id in gone:
                continue
            try:
                message_ids = await self._perform(bot, call)
            except TelegramForbiddenError:
                # They blocked the bot: nothing more reaches this chat.
                if call.chat_id is not None:
                    gone.add(call.chat_id)
                await self._hand_back(call, give_up=True)
                continue
            except TelegramBadRequest as refused:
                logger.info("%s refused: %s", type(call.method).__name__, _reason(refused))
                await self._hand_back(call, give_up=True)
                continue
            except (TelegramRetryAfter, TelegramServerError, TelegramNetworkError) as failed:
                logger.warning("%s not delivered (%s)", type(call.method).__name__, _name(failed))
                if call.chat_id is not None and _is_send(call.method):
                    # It may have reached the phone anyway: the mark stays for /erase.
                    uncertain.add(call.chat_id)
                await self._hand_back(call, give_up=False)
                continue
            if call.chat_id is not None:
                sent.setdefault(call.chat_id, []).extend(message_ids)
            outcomes.append((call, message_ids))
        await self._write_down(replies, sent, uncertain, outcomes)

    async def _perform(self, bot: Bot, call: DeferredCall) -> list[int]:
        try:
            result: Any = await bot(call.method)
        except TelegramBadRequest:
            if isinstance(call.method, DeleteMessages):
                # A batch fails as a whole on one message Telegram will not delete (older than
                # 48 hours): try them one by one, and keep going.
                await self._delete_one_by_one(bot, call.method)
                return []
            raise
        if isinstance(result, Message | MessageId):
            return [result.message_id]
        return []

    async def _delete_one_by_one(self, bot: Bot, method: DeleteMessages) -> None:
        for message_id in method.message_ids[:DELETE_ONE_BY_ONE_LIMIT]:
            with contextlib.suppress(TelegramBadRequest):
                await bot(DeleteMessage(chat_id=method.chat_id, message_id=message_id))

    async def _hand_back(self, call: DeferredCall, *, give_up: bool) -> None:
        """A durable message the courier could not deliver: the outbox takes over (or, if
        Telegram refused it for good, records that)."""
        if call.outbox_id is None:
            return
        async with self._database.transaction():
            if give_up:
                await self._outbox.given_up(call.outbox_id)
            else:
                await self._outbox.retry_now(call.outbox_id)

    async def _write_down(
        self,
        replies: Replies,
        sent: dict[int, list[int]],
        uncertain: set[int],
        outcomes: list[tuple[DeferredCall, list[int]]],
    ) -> None:
        if not sent and not outcomes and not replies.chats_sent_to():
            return

        async def write() -> None:
            await self._write(replies, sent, uncertain, outcomes)

        await self._write_downs.commit(write)

    async def _write(
        self,
        replies: Replies,
        sent: dict[int, list[int]],
        uncertain: set[int],
        outcomes: list[tuple[DeferredCall, list[int]]],
    ) -> None:
        for chat_id in replies.chats_sent_to() | set(sent):
            ids = sent.get(chat_id, [])
            if chat_id in uncertain:
                await self._trail.record(chat_id, replies.batch, ids)
            else:
                await self._trail.settle(chat_id, replies.batch, ids)
        for call, message_ids in outcomes:
            if call.outbox_id is not None and call.chat_id is not None and message_ids:
                await self._outbox.sent(call.outbox_id, call.chat_id, message_ids[0])
            if call.delete_at is not None and call.chat_id is not None and message_ids:
                await self._shown.delete_later(call.chat_id, message_ids, call.delete_at)
            if call.forget_rows and call.chat_id is not None:
                await self._trail.forget(call.chat_id, list(call.forget_rows))


class DeferUntilCommitted(BaseRequestMiddleware):
    """The session middleware: inside an update, a call is collected instead of performed."""

    def __init__(self, courier: Courier) -> None:
        self._courier = courier

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        replies = self._courier.current()
        if replies is None:
            return await make_request(bot, method)
        if not isinstance(method, EFFECTS):
            raise NetworkInsideTransactionError(
                f"{type(method).__name__} inside a unit of work: fetch before it"
            )
        await self._courier.collect(replies, method)
        # aiogram hands the method's result back through here (its type hint says Response).
        return cast("Response[TelegramType]", NotSentYet(method))


def _is_send(method: TelegramMethod[Any]) -> bool:
    return isinstance(method, SENDS)


def _buttons_of(markup: object) -> list[list[tuple[str, str]]]:
    if not isinstance(markup, InlineKeyboardMarkup):
        return []
    return [
        [(button.text, button.callback_data) for button in row if button.callback_data]
        for row in markup.inline_keyboard
    ]


def _name(exc: BaseException) -> str:
    return type(exc).__name__


def _reason(refused: TelegramBadRequest) -> str:
    # Telegram's description names the problem ("message is not modified"), never content.
    return refused.message.split(":", 1)[0][:80]

"""The flow engine: how any step is shown again, and the answer-then-confirm flows on drafts.

Each router registers, for its own conversation steps, how to show that step again (after
/help, a stale button, a sticker where text was expected, a change of language). Nothing
central lists the steps: a new flow registers its own when its router is built.

Reporting and consent are both a `DraftFlow`: a draft kept in the conversation state, a
question at a time ("answering"), then a confirm screen ("confirming") whose Send submits it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from aiogram import BaseMiddleware, Bot
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import Message, TelegramObject
from aiogram.utils.i18n import I18n

from bot.drafts import CONFIRM
from bot.settings import OrganisationConfig
from handlers import texts
from handlers.chat import Chat


@dataclass(frozen=True)
class StepScreen:
    """What showing a step again may need: the chat, the conversation and its stored data."""

    chat: Chat
    state: FSMContext
    data: dict[str, Any]
    config: OrganisationConfig
    i18n: I18n


# Shows the step; False if the conversation lacks what the step needs (a draft lost to an
# upgrade, say): the person then starts again from the beginning.
ShowStep = Callable[[StepScreen], Awaitable[bool]]


class StepViews:
    """For each conversation step, how to show it again. Filled while the routers are built."""

    def __init__(self) -> None:
        self._views: dict[str, ShowStep] = {}

    def register(self, state: State, show: ShowStep) -> None:
        name = state.state
        if name is None:
            raise ValueError("a step outside any group of steps")
        if name in self._views:
            raise ValueError(f"step {name} already has a view")
        self._views[name] = show

    def register_text(self, state: State, text: Callable[[], str]) -> None:
        """A step that only asks for something to be typed: its question again."""

        async def ask_again(screen: StepScreen) -> bool:
            await screen.chat.bot.send_message(screen.chat.chat_id, text())
            return True

        self.register(state, ask_again)

    def has_view(self, name: str) -> bool:
        return name in self._views

    async def show(self, current: str | None, screen: StepScreen) -> bool:
        view = self._views.get(current) if current is not None else None
        return view is not None and await view(screen)


class StepViewsMiddleware(BaseMiddleware):
    """Hands every handler the step views (as `step_views`), so any of them can show the
    current step again."""

    def __init__(self, views: StepViews) -> None:
        self._views = views

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        data["step_views"] = self._views
        return await handler(event, data)


class Draft(Protocol):
    step: str

    def to_data(self) -> dict[str, object]: ...


DraftT = TypeVar("DraftT", bound=Draft)
ShowDraft = Callable[[Chat, DraftT, OrganisationConfig], Awaitable[None]]


@dataclass(frozen=True)
class DraftFlow(Generic[DraftT]):
    """Questions one at a time on a draft, then a confirm screen."""

    # Where the draft is kept in the conversation data.
    key: str
    answering: State
    confirming: State
    read: Callable[[object], DraftT | None]
    # The step after the draft's own: a question, or CONFIRM.
    step_after: Callable[[DraftT, OrganisationConfig], str]
    show_step: ShowDraft[DraftT]
    show_confirm: ShowDraft[DraftT]

    async def draft(self, state: FSMContext) -> DraftT | None:
        return self.read((await state.get_data()).get(self.key))

    async def draft_on(self, state: FSMContext, step: str) -> DraftT | None:
        """The draft, if it is on `step`: a tap on any other step's button is a stale one."""
        draft = await self.draft(state)
        return draft if draft is not None and draft.step == step else None

    async def save(self, state: FSMContext, draft: DraftT) -> None:
        await state.update_data({self.key: draft.to_data()})

    async def start(
        self, chat: Chat, state: FSMContext, draft: DraftT, config: OrganisationConfig
    ) -> None:
        await self.save(state, draft)
        await state.set_state(self.answering)
        await self.show_step(chat, draft, config)

    async def advance(
        self, chat: Chat, state: FSMContext, draft: DraftT, config: OrganisationConfig
    ) -> None:
        """The question is answered: on to the next, or to the confirm screen."""
        draft.step = self.step_after(draft, config)
        await self.save(state, draft)
        if draft.step == CONFIRM:
            await state.set_state(self.confirming)
            await self.show_confirm(chat, draft, config)
        else:
            await self.show_step(chat, draft, config)

    def register_views(self, views: StepViews) -> None:
        async def show_answering(screen: StepScreen) -> bool:
            draft = self.read(screen.data.get(self.key))
            if draft is None:
                return False
            await self.show_step(screen.chat, draft, screen.config)
            return True

        async def show_confirming(screen: StepScreen) -> bool:
            draft = self.read(screen.data.get(self.key))
            if draft is None:
                return False
            await self.show_confirm(screen.chat, draft, screen.config)
            return True

        views.register(self.answering, show_answering)
        views.register(self.confirming, show_confirming)

    async def on_confirm_text(
        self, message: Message, bot: Bot, state: FSMContext, config: OrganisationConfig
    ) -> None:
        """Something written on the confirm screen: the buttons are the way on."""
        draft = await self.draft(state)
        if draft is not None and message.from_user is not None:
            await message.answer(texts.tap_a_button())
            await self.show_confirm(Chat.private(bot, message.from_user.id), draft, config)

"""The 🔊 button beside a child-facing message that has a recording in the child's language.

A session middleware looks at each message the bot sends while it handles an update: when the
text is exactly one of the recordable messages (rendered in the language the person uses, with
the organisation's own names and numbers), and that message has a recording in that language,
the message gets a 🔊 button. So the child flows need not know about recordings at all, and a
message shown again (after /language, a stale tap, a restart) gets its button as well. Only a
message that is a prompt costs a database read; a language with no recordings shows no button.
"""

from __future__ import annotations

from typing import Any, cast

from aiogram import Bot
from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.filters.callback_data import CallbackData
from aiogram.methods import SendMessage, TelegramMethod
from aiogram.methods.base import Response, TelegramType
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n

from bot.settings import OrganisationConfig
from bot.voice_prompts import PromptKey, VoicePrompts
from handlers.prompt_texts import PLAY_LABEL, prompt_text


class PlayPrompt(CallbackData, prefix="pp"):
    """A child's tap on 🔊: the message, and the language it was shown in."""

    lang: str
    key: str


class PromptMenu(CallbackData, prefix="pm"):
    """A step of /prompts: langs, list, open, listen, replace, delete."""

    action: str
    lang: str = ""
    key: str = ""


def with_play_button(markup: Any, language: str, key: PromptKey) -> InlineKeyboardMarkup | None:
    """`markup` with 🔊 as its first row (so a child can listen before choosing), or None when
    the message has another kind of keyboard, which an inline button cannot join."""
    play = InlineKeyboardButton(
        text=PLAY_LABEL, callback_data=PlayPrompt(lang=language, key=key).pack()
    )
    if markup is None:
        return InlineKeyboardMarkup(inline_keyboard=[[play]])
    if not isinstance(markup, InlineKeyboardMarkup):
        return None
    if any(
        (button.callback_data or "").startswith(f"{PlayPrompt.__prefix__}:")
        for row in markup.inline_keyboard
        for button in row
    ):
        return None  # already there (a message sent again from the outbox)
    return InlineKeyboardMarkup(inline_keyboard=[[play], *markup.inline_keyboard])


class PlayButtons(BaseRequestMiddleware):
    """Adds 🔊 to the messages that have a recording in the current person's language."""

    def __init__(self, prompts: VoicePrompts, config: OrganisationConfig) -> None:
        self._prompts = prompts
        self._config = config
        # Each language's prompt texts, rendered once: every message the bot sends is looked
        # up here, and the catalogs and the organisation's config do not change while it runs.
        self._texts: dict[str, dict[str, PromptKey]] = {}

    def _recognise(self, text: str, language: str) -> PromptKey | None:
        texts = self._texts.get(language)
        if texts is None:
            texts = {prompt_text(key, self._config): key for key in PromptKey}
            self._texts[language] = texts
        return texts.get(text)

    async def _with_button(self, method: SendMessage, language: str) -> SendMessage | None:
        """The message with 🔊, or None if it is not a recorded prompt in `language`."""
        key = self._recognise(method.text, language)
        if key is None or key not in await self._prompts.recorded_keys(language):
            return None
        markup = with_play_button(method.reply_markup, language, key)
        return None if markup is None else method.model_copy(update={"reply_markup": markup})

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Response[TelegramType]:
        # Only inside an update, where the person's language is known; the outbox resends
        # what was collected then, buttons included.
        i18n = I18n.get_current(no_error=True)
        if i18n is not None and isinstance(method, SendMessage):
            with_button = await self._with_button(method, i18n.current_locale)
            if with_button is not None:
                return await make_request(bot, cast("TelegramMethod[TelegramType]", with_button))
        return await make_request(bot, method)

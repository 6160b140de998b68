"""/prompts: the officer and deputies record the children's key messages as voice notes; and a
child's tap on 🔊 plays the recording of that message, to that child only.

Staff choose a language, then a message (✅ recorded, — not yet); the message's screen shows
the exact text the child sees and takes a voice note for it, with Listen, Replace, Delete and
Back. Someone not enrolled gets what any unknown command or stale button gets.
"""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.dispatcher.event.bases import SkipHandler
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import BufferedInputFile, CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n

from bot.languages import ENDONYMS, LanguageCode, is_supported
from bot.settings import OrganisationConfig
from bot.staff import Member, StaffDesk
from bot.voice_prompts import PromptKey, VoicePrompts, may_record, prompt_key
from handlers import prompt_texts as say
from handlers.chat import Chat
from handlers.flows import StepScreen, StepViews
from handlers.keyboards import buttons, one_per_row
from handlers.prompt_buttons import PlayPrompt, PromptMenu
from handlers.states import VoicePromptSteps
from handlers.taps import answer_tap, settle_menu

VOICE_FILE_NAME = "prompt.ogg"


async def _recorder(user_id: int, staff: StaffDesk) -> Member | None:
    """The member behind this account if they may record, None for other staff. Someone not
    enrolled is passed on to the fallbacks (an unknown command, a stale button): they must not
    learn that staff commands exist."""
    member = await staff.active_member(user_id)
    if member is None:
        raise SkipHandler
    return member if may_record(member) else None


def _language(code: str, config: OrganisationConfig) -> LanguageCode | None:
    return code if is_supported(code) and code in config.languages.enabled else None


def _language_menu(config: OrganisationConfig) -> InlineKeyboardMarkup:
    return one_per_row(
        (ENDONYMS[code], PromptMenu(action="list", lang=code)) for code in config.languages.enabled
    )


async def _show_languages(chat: Chat, config: OrganisationConfig) -> None:
    await chat.bot.send_message(
        chat.chat_id, say.choose_language(), reply_markup=_language_menu(config)
    )


async def _show_list(chat: Chat, language: LanguageCode, prompts: VoicePrompts) -> None:
    recorded = await prompts.recorded_keys(language)
    rows = [
        (
            f"{'✅' if key in recorded else '—'} {say.prompt_title(key)}",
            PromptMenu(action="open", lang=language, key=key),
        )
        for key in PromptKey
    ]
    rows.append((say.languages_label(), PromptMenu(action="langs")))
    await chat.bot.send_message(
        chat.chat_id, say.prompt_list(ENDONYMS[language]), reply_markup=buttons(rows)
    )


def _prompt_screen(
    language: LanguageCode, key: PromptKey, config: OrganisationConfig, i18n: I18n, recorded: bool
) -> tuple[str, InlineKeyboardMarkup]:
    with i18n.use_locale(language):
        text = say.prompt_text(key, config)
    screen = say.prompt_screen(say.prompt_title(key), ENDONYMS[language], text, recorded)
    back = (say.back_label(), PromptMenu(action="list", lang=language))
    if not recorded:
        return screen, buttons([back])
    return screen, buttons(
        [
            (say.listen_label(), PromptMenu(action="listen", lang=language, key=key)),
            (say.replace_label(), PromptMenu(action="replace", lang=language, key=key)),
            (say.delete_label(), PromptMenu(action="delete", lang=language, key=key)),
            back,
        ]
    )


async def _wait_for_voice(state: FSMContext, language: LanguageCode, key: PromptKey) -> None:
    await state.set_state(VoicePromptSteps.recording)
    await state.set_data({"prompt_language": language, "prompt_key": key.value})


async def _show_prompt(
    chat: Chat,
    state: FSMContext,
    language: LanguageCode,
    key: PromptKey,
    config: OrganisationConfig,
    i18n: I18n,
    prompts: VoicePrompts,
) -> None:
    recorded = key in await prompts.recorded_keys(language)
    text, markup = _prompt_screen(language, key, config, i18n, recorded)
    if recorded:
        await state.clear()
    else:
        await _wait_for_voice(state, language, key)
    await chat.bot.send_message(chat.chat_id, text, reply_markup=markup)


async def on_prompts(
    message: Message, bot: Bot, state: FSMContext, config: OrganisationConfig, staff: StaffDesk
) -> None:
    if message.from_user is None:
        return
    member = await _recorder(message.from_user.id, staff)
    if member is None:
        await message.answer(say.not_allowed())
        return
    await state.clear()
    await _show_languages(Chat.private(bot, message.from_user.id), config)


async def on_menu(
    callback: CallbackQuery,
    callback_data: PromptMenu,
    bot: Bot,
    state: FSMContext,
    config: OrganisationConfig,
    i18n: I18n,
    staff: StaffDesk,
    prompts: VoicePrompts,
) -> None:
    member = await _recorder(callback.from_user.id, staff)
    if member is None:
        await answer_tap(callback, say.not_allowed())
        return
    chat = Chat.private(bot, callback.from_user.id)
    if callback_data.action == "langs":
        await state.clear()
        await settle_menu(callback, say.languages_label())
        await _show_languages(chat, config)
        return
    language = _language(callback_data.lang, config)
    if language is None:
        raise SkipHandler  # a language no longer enabled: a stale button
    if callback_data.action == "list":
        await state.clear()
        await settle_menu(callback, ENDONYMS[language])
        await _show_list(chat, language, prompts)
        return
    key = prompt_key(callback_data.key)
    if key is None:
        raise SkipHandler
    title = say.prompt_title(key)
    if callback_data.action == "open":
        await settle_menu(callback, title)
        await _show_prompt(chat, state, language, key, config, i18n, prompts)
    elif callback_data.action == "listen":
        voice = await prompts.play(language, key)
        if voice is None:
            await answer_tap(callback, say.not_recorded_any_more())
            await _show_prompt(chat, state, language, key, config, i18n, prompts)
            return
        await answer_tap(callback)
        await bot.send_voice(chat.chat_id, BufferedInputFile(voice, VOICE_FILE_NAME))
    elif callback_data.action == "replace":
        await answer_tap(callback)
        await _wait_for_voice(state, language, key)
        await bot.send_message(
            chat.chat_id,
            say.send_new_recording(title, ENDONYMS[language]),
            reply_markup=buttons([(say.back_label(), PromptMenu(action="list", lang=language))]),
        )
    elif callback_data.action == "delete":
        await state.clear()
        if not await prompts.delete(member, language, key):
            await answer_tap(callback, say.not_recorded_any_more())
            await _show_list(chat, language, prompts)
            return
        await settle_menu(callback, say.deleted(title, ENDONYMS[language]))
        await _show_list(chat, language, prompts)
    else:
        raise SkipHandler


async def _recording_target(
    state: FSMContext, config: OrganisationConfig
) -> tuple[LanguageCode, PromptKey] | None:
    data = await state.get_data()
    language = _language(str(data.get("prompt_language", "")), config)
    key = prompt_key(str(data.get("prompt_key", "")))
    return (language, key) if language is not None and key is not None else None


async def on_recording(
    message: Message,
    bot: Bot,
    state: FSMContext,
    config: OrganisationConfig,
    staff: StaffDesk,
    prompts: VoicePrompts,
    voice_note: bytes | None = None,
) -> None:
    """`voice_note`: the recording, fetched before this update's transaction (None if it
    could not be had)."""
    if message.from_user is None:
        return
    member = await _recorder(message.from_user.id, staff)
    target = await _recording_target(state, config)
    if member is None or target is None:
        await state.clear()
        raise SkipHandler
    language, key = target
    if voice_note is None:
        await message.answer(say.voice_not_fetched())
        return
    replaced = await prompts.record(member, language, key, voice_note)
    await state.clear()
    title, endonym = say.prompt_title(key), ENDONYMS[language]
    await message.answer(say.replaced(title, endonym) if replaced else say.saved(title, endonym))
    await _show_list(Chat.private(bot, message.from_user.id), language, prompts)


async def on_not_a_voice(message: Message, state: FSMContext, config: OrganisationConfig) -> None:
    target = await _recording_target(state, config)
    markup = (
        buttons([(say.back_label(), PromptMenu(action="list", lang=target[0]))]) if target else None
    )
    await message.answer(say.voice_expected(), reply_markup=markup)


async def on_play(
    callback: CallbackQuery, callback_data: PlayPrompt, bot: Bot, prompts: VoicePrompts
) -> None:
    """A child's 🔊: the recording goes to this chat only, as a voice message."""
    key = prompt_key(callback_data.key)
    voice = await prompts.play(callback_data.lang, key) if key is not None else None
    if voice is None:
        await answer_tap(callback, say.recording_gone())
        return
    await answer_tap(callback)
    await bot.send_voice(callback.from_user.id, BufferedInputFile(voice, VOICE_FILE_NAME))


def register_step_views(views: StepViews) -> None:
    async def recording(screen: StepScreen) -> bool:
        data = screen.data
        language = _language(str(data.get("prompt_language", "")), screen.config)
        key = prompt_key(str(data.get("prompt_key", "")))
        if language is None or key is None:
            return False
        title = say.prompt_title(key)
        await screen.chat.bot.send_message(
            screen.chat.chat_id,
            say.send_new_recording(title, ENDONYMS[language]),
            reply_markup=buttons([(say.back_label(), PromptMenu(action="list", lang=language))]),
        )
        return True

    views.register(VoicePromptSteps.recording, recording)


def build_router(views: StepViews) -> Router:
    register_step_views(views)
    router = Router(name="voice prompts")
    router.message.register(on_prompts, Command("prompts"))
    router.callback_query.register(on_menu, PromptMenu.filter())
    router.callback_query.register(on_play, PlayPrompt.filter())
    router.message.register(on_recording, StateFilter(VoicePromptSteps.recording), F.voice)
    router.message.register(
        on_not_a_voice,
        StateFilter(VoicePromptSteps.recording),
        ~(F.text.startswith("/")),
    )
    return router

"""Showing a step: what the person sees at each state, so any step can be shown again."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n

from bot.languages import LanguageCode, is_supported
from bot.people import PeopleService
from bot.settings import OrganisationConfig
from handlers import (
    alert_texts,
    casework_texts,
    consent_texts,
    enrolment_texts,
    keyboards,
    texts,
)
from handlers import report_texts as say
from handlers.chat import Chat
from handlers.consent_steps import show_consent_confirm, show_consent_step
from handlers.keyboards import ReferredNow, ReferTo, StatusAction, buttons
from handlers.report_steps import show_confirm, show_report_step
from handlers.states import (
    CaseHandling,
    ConsentFlow,
    ConsentHandling,
    Enrolment,
    Onboarding,
    Reporting,
    StatusCheck,
    Unlocking,
)
from handlers.taps import answer_tap

__all__ = ["Chat", "Onboarding", "show_current_step"]


def current_language(i18n: I18n) -> LanguageCode:
    locale = i18n.current_locale
    return locale if is_supported(locale) else "en"


async def show_language_picker(
    chat: Chat,
    state: FSMContext,
    config: OrganisationConfig,
    i18n: I18n,
    step: State = Onboarding.language,
) -> None:
    # Enrolment has its own step: the same picker, but what follows is the passphrase.
    await state.set_state(step)
    await chat.bot.send_message(
        chat.chat_id,
        texts.choose_language(),
        reply_markup=keyboards.language_picker(config.languages.enabled, current_language(i18n)),
    )


async def show_audience_menu(chat: Chat, state: FSMContext) -> None:
    await state.set_state(Onboarding.audience)
    await chat.bot.send_message(
        chat.chat_id,
        texts.who_are_you(),
        reply_markup=keyboards.audience_menu(consent_texts.start_label()),
    )


async def show_welcome(chat: Chat, state: FSMContext, config: OrganisationConfig) -> None:
    """The first words after the language: what this chat is, the help numbers, who are you."""
    await chat.bot.send_message(chat.chat_id, texts.welcome(config.organisation.name))
    await chat.bot.send_message(chat.chat_id, texts.help_numbers(config.help_numbers))
    await show_audience_menu(chat, state)


def status_actions() -> InlineKeyboardMarkup:
    return buttons(
        [(say.add_more(), StatusAction(action="add")), (say.done(), StatusAction(action="done"))]
    )


async def show_current_step(
    chat: Chat,
    state: FSMContext,
    config: OrganisationConfig,
    people: PeopleService,
    i18n: I18n,
) -> None:
    current = await state.get_state()
    data = await state.get_data()
    draft = data.get("draft")
    if current == Onboarding.language.state:
        await show_language_picker(chat, state, config, i18n)
    elif current == Onboarding.audience.state:
        await show_audience_menu(chat, state)
    elif current == Reporting.answering.state and isinstance(draft, dict):
        await show_report_step(chat, draft, config)
    elif current == Reporting.confirming.state and isinstance(draft, dict):
        await show_confirm(chat, draft)
    elif current == StatusCheck.code.state:
        await chat.bot.send_message(chat.chat_id, say.ask_code())
    elif current == StatusCheck.secret.state:
        await chat.bot.send_message(chat.chat_id, say.ask_secret())
    elif current == StatusCheck.viewing.state:
        await chat.bot.send_message(
            chat.chat_id,
            say.case_status(str(data.get("status_case", "")), "open"),
            reply_markup=status_actions(),
        )
    elif current == Enrolment.language.state:
        await show_language_picker(chat, state, config, i18n, Enrolment.language)
    elif current == Enrolment.passphrase.state:
        await chat.bot.send_message(chat.chat_id, enrolment_texts.choose_passphrase())
    elif current == Enrolment.again.state:
        await chat.bot.send_message(chat.chat_id, enrolment_texts.again())
    elif current == StatusCheck.adding.state:
        await chat.bot.send_message(chat.chat_id, say.adding(), reply_markup=adding_markup())
    elif current == Unlocking.passphrase.state:
        await chat.bot.send_message(chat.chat_id, alert_texts.ask_passphrase())
    elif current == ConsentFlow.answering.state and isinstance(data.get("consent"), dict):
        await show_consent_step(chat, data["consent"], config)
    elif current == ConsentFlow.confirming.state and isinstance(data.get("consent"), dict):
        await show_consent_confirm(chat, data["consent"], config)
    elif current == ConsentHandling.question.state:
        await chat.bot.send_message(chat.chat_id, consent_texts.ask_question())
    elif current in CaseHandling.__state_names__:
        await show_case_handling_step(chat, current, str(data.get("case", "")), config)
    # No step (new, cancelled, expired, or a state from an older version): from the beginning.
    elif await people.chosen_language(chat.user_id) is None:
        await show_language_picker(chat, state, config, i18n)
    else:
        await show_audience_menu(chat, state)


async def show_case_handling_step(
    chat: Chat, current: str, code: str, config: OrganisationConfig
) -> None:
    markup: InlineKeyboardMarkup | None = None
    if current == CaseHandling.reply.state:
        text = casework_texts.ask_reply()
    elif current == CaseHandling.note.state:
        text = casework_texts.ask_note()
    elif current == CaseHandling.authority.state:
        text, markup = casework_texts.ask_authority(), authority_menu(code, config)
    elif current == CaseHandling.referred_when.state:
        text, markup = casework_texts.ask_referred_when(), when_menu(code)
    else:
        text = casework_texts.ask_close_note()
    await chat.bot.send_message(chat.chat_id, text, reply_markup=markup)


def authority_menu(code: str, config: OrganisationConfig) -> InlineKeyboardMarkup:
    return buttons(
        [
            (name, ReferTo(code=code, choice=index))
            for index, name in enumerate(config.referral_authorities)
        ]
    )


def when_menu(code: str) -> InlineKeyboardMarkup:
    return buttons([(casework_texts.now_label(), ReferredNow(code=code))])


def adding_markup() -> InlineKeyboardMarkup:
    return buttons([(say.that_is_all(), StatusAction(action="finished"))])


async def after_stale_tap(
    callback: CallbackQuery,
    chat: Chat,
    state: FSMContext,
    config: OrganisationConfig,
    people: PeopleService,
    i18n: I18n,
) -> None:
    """A button from an earlier step, or a second tap on one already used: say so kindly (a
    toast, which leaves nothing in the chat) and show the step the person is really on."""
    await answer_tap(callback, texts.stale_button())
    await show_current_step(chat, state, config, people, i18n)

"""The staff side's own command menu and help.

Staff share the bot with children, whose menu (/report, /status, /erase…) means nothing to them.
Telegram lets a bot give one chat its own command list (BotCommandScopeChat); an enrolled member
gets theirs at enrolment, in the language they chose, and again whenever they change it. Since
each chat has its own list, it also fits the member's role: /stats and /staff are on the
board's and the officer's menus only.
"""

from __future__ import annotations

from typing import Final

from aiogram import Bot
from aiogram.types import BotCommand, BotCommandScopeChat
from aiogram.utils.i18n import gettext as _

from bot.board_figures import may_see_figures
from bot.case_model import StaffRole
from bot.suspension import may_give_access_back
from handlers import alert_texts, casework_texts, prompt_texts, stats_texts, suspension_texts

STAFF_COMMANDS: Final = ("cases", "lock", "prompts", "language", "help")


def staff_commands(role: StaffRole) -> tuple[str, ...]:
    """The member's menu: everyone's commands, /stats for those who may see the figures and
    /staff for those who may give paused access back."""
    extra = (
        *(("stats",) if may_see_figures(role) else ()),
        *(("staff",) if may_give_access_back(role) else ()),
    )
    return (*STAFF_COMMANDS[:-2], *extra, *STAFF_COMMANDS[-2:])


def command_description(name: str) -> str:
    descriptions = {
        # Translators: Glossary (locales/glossary.toml): case.
        "cases": _("Your open cases"),
        "lock": _("Lock your key now"),
        "prompts": prompt_texts.command_description(),
        "stats": stats_texts.command_description(),
        "staff": suspension_texts.staff_command_description(),
        "language": _("Change the language"),
        "help": _("How the staff side works"),
    }
    return descriptions[name]


def staff_help(role: StaffRole) -> str:
    return "\n".join(
        (
            _("For staff:"),
            # Translators: {acknowledge} is the label of the "Acknowledge" button, translated on its
            # own. {read} is the label of the "Read" button, translated on its own. Glossary
            # (locales/glossary.toml): case.
            _(
                "A new case comes as an alert: tap «{acknowledge}», then «{read}» to open it."
            ).format(acknowledge=alert_texts.acknowledge_label(), read=alert_texts.read_label()),
            # Translators: {read} is the label of the "Read" button, translated on its own. Glossary
            # (locales/glossary.toml): passphrase.
            _("«{read}» asks for your passphrase; /lock makes the bot forget your key.").format(
                read=alert_texts.read_label()
            ),
            # Translators: {reply} is the label of the "Reply" button, translated on its own. {note}
            # is the label of the "Note" button, translated on its own. Glossary
            # (locales/glossary.toml): case; the reporter.
            _(
                "On a case card: «{reply}» to the reporter, «{note}» for the file, "
                "and the next step."
            ).format(reply=casework_texts.reply_label(), note=casework_texts.note_label()),
            # Translators: Glossary (locales/glossary.toml): case.
            _("/cancel while writing goes back to the case card."),
            *(f"/{name} – {command_description(name)}" for name in staff_commands(role)),
        )
    )


async def set_staff_menu(bot: Bot, chat_id: int, role: StaffRole) -> None:
    """The member's own menu, in the current language (the one they chose)."""
    commands = [
        BotCommand(command=name, description=command_description(name))
        for name in staff_commands(role)
    ]
    await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id=chat_id))

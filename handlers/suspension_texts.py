"""What suspension and stepping away say. The member suspended is told only that their access
is paused: never why, nor which case."""

from __future__ import annotations

from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _

from bot.staff import Member
from handlers.enrolment_texts import role_label


class SuspensionTexts:
    """Renders what bot.suspension sends through the outbox (it must not know translations)."""

    def __init__(self, i18n: I18n) -> None:
        self._i18n = i18n

    def access_paused(self, language: str) -> str:
        with self._i18n.context(), self._i18n.use_locale(language):
            return paused_notice()

    def access_back(self, language: str) -> str:
        with self._i18n.context(), self._i18n.use_locale(language):
            # Translators: to a staff member whose paused access was given back. Glossary
            # (locales/glossary.toml): case.
            return "✅ " + _(
                "Your access is back. You will get alerts and new cases again. The cases that "
                "were open during the pause stay with the others."
            )


def paused_notice() -> str:
    # Translators: to a staff member whose access was paused, and whenever they try a staff
    # command or button. It must not say why. Glossary (locales/glossary.toml): case.
    return "⏸ " + _(
        "Your access to cases is paused for now. You will not get alerts, and cases will not "
        "open for you. You do not need to do anything."
    )


def concerned_label() -> str:
    # Translators: a button on a case's card: the concern is about a member of staff, whose
    # access must be paused.
    return _("A staff member is concerned")


def step_away_label() -> str:
    # Translators: a button on a case's card: leave this case because of a conflict of interest.
    # Glossary (locales/glossary.toml): case.
    return _("Step away from this case")


def member_label(member: Member) -> str:
    # Translators: a button naming a staff member. {name} is their name, e.g. "Ana Popescu";
    # {role} is their role, translated on its own, e.g. "deputy".
    return _("{name} ({role})").format(name=member.name, role=role_label(member.role))


def who_is_concerned(code: str) -> str:
    # Translators: {code} is a case's code, e.g. "K7Q2MX", kept exactly. Glossary
    # (locales/glossary.toml): case.
    return _(
        "Case {code}: which member of staff is the concern about? Their access to every case "
        "will be paused."
    ).format(code=code)


def nobody_to_name(code: str) -> str:
    # Translators: {code} is a case's code, e.g. "K7Q2MX", kept exactly. Said when the member
    # may name nobody (a concern about the Child Protection Officer goes to the board). Glossary
    # (locales/glossary.toml): case; board; Child Protection Officer.
    return _(
        "Case {code}: there is nobody you can mark here. A concern about the Child Protection "
        "Officer is for the board."
    ).format(code=code)


def confirm_suspension(name: str) -> str:
    # Translators: {name} is a staff member's name, e.g. "Ana Popescu". Glossary
    # (locales/glossary.toml): case; board; Child Protection Officer.
    return _(
        "Pause the access of {name}? They will get no alerts and no case will open for them, "
        "until the Child Protection Officer or the board gives it back. They will be told only "
        "that their access is paused, not why."
    ).format(name=name)


def pause_label() -> str:
    # Translators: a button that pauses a staff member's access.
    return _("Pause their access")


def keep_as_is_label() -> str:
    # Translators: a button that cancels pausing someone's access or stepping away.
    return _("Leave it as it is")


def nothing_changed() -> str:
    return _("Nothing changed.")


def suspended(name: str, left_unread: int) -> str:
    lines = [
        # Translators: {name} is a staff member's name, e.g. "Ana Popescu". Glossary
        # (locales/glossary.toml): case.
        _(
            "{name}'s access is paused. The open cases they could read are closed to them, and "
            "the audit log records that you did this."
        ).format(name=name)
    ]
    if left_unread:
        # Translators: {count} is a number of cases, e.g. 2. Glossary (locales/glossary.toml):
        # case.
        lines.append(
            ngettext(
                "Warning: {count} open case has nobody else who can read it.",
                "Warning: {count} open cases have nobody else who can read them.",
                left_unread,
            ).format(count=left_unread)
        )
    return "\n".join(lines)


def already_suspended(name: str) -> str:
    # Translators: {name} is a staff member's name, e.g. "Ana Popescu".
    return _("{name}'s access was already paused. Nothing changed.").format(name=name)


def confirm_step_away(code: str) -> str:
    # Translators: {code} is a case's code, e.g. "K7Q2MX", kept exactly. Glossary
    # (locales/glossary.toml): case.
    return _(
        "Step away from case {code}? It will not open for you again. If you had taken it, the "
        "others are alerted to take it."
    ).format(code=code)


def stepped_away(code: str) -> str:
    # Translators: {code} is a case's code, e.g. "K7Q2MX", kept exactly. Glossary
    # (locales/glossary.toml): case.
    return _("You stepped away from case {code}. It will not open for you again.").format(code=code)


def only_reader(code: str) -> str:
    # Translators: {code} is a case's code, e.g. "K7Q2MX", kept exactly. Glossary
    # (locales/glossary.toml): case; board; Child Protection Officer.
    return _(
        "You are the only one who can still read case {code}: if you stepped away, nobody "
        "could ever open it. Tell the Child Protection Officer or the board about the conflict "
        "instead."
    ).format(code=code)


def staff_command_description() -> str:
    return _("Members whose access is paused")


def paused_list(count: int) -> str:
    if not count:
        return _("Nobody's access is paused.")
    # Translators: {count} is a number of staff members, e.g. 2.
    return ngettext(
        "{count} member's access is paused. Tap to give it back:",
        "{count} members' access is paused. Tap to give it back:",
        count,
    ).format(count=count)


def reinstated(name: str) -> str:
    # Translators: {name} is a staff member's name, e.g. "Ana Popescu". Glossary
    # (locales/glossary.toml): case.
    return _(
        "{name}'s access is back, for new cases. The cases open during the pause stay closed "
        "to them. The audit log records that you did this."
    ).format(name=name)


def not_reinstated() -> str:
    # Translators: when a staff member's access could not be given back: someone did it first,
    # or only the board may (for the Child Protection Officer). Glossary
    # (locales/glossary.toml): board; Child Protection Officer.
    return _(
        "Nothing changed: their access was given back already, or only the board may give it "
        "back (for the Child Protection Officer)."
    )

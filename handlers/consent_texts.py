"""What the consent channel says: to the person taking back their agreement, and to the
data-protection contact. It never asks why, and it says so.
"""

from __future__ import annotations

import html
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _

from bot.consent import ConsentScope, Withdrawal
from bot.settings import OrganisationConfig
from handlers.alert_texts import audience_label
from handlers.keyboards import AnswerSafePerson, ConsentAction, ReadCase
from handlers.when import day_and_time, day_in_words

Buttons = list[list[tuple[str, str]]]


# The person taking back their agreement.


def start_label() -> str:
    # Translators: Glossary (locales/glossary.toml): agreement (consent); take back (withdraw).
    return _("Take back my agreement (photos, videos, data)")


def intro() -> str:
    # Translators: Glossary (locales/glossary.toml): agreement (consent); take back (withdraw).
    return _(
        "You can take back your agreement at any time. You do not need to give a reason, "
        "and nobody will ask you why."
    )


def ask_who() -> str:
    return _("Who is asking?")


def who_label(requester: str) -> str:
    if requester == "child":
        return _("I am the child or young person")
    return _("I am a parent or guardian")


def ask_scopes() -> str:
    # Translators: Glossary (locales/glossary.toml): agreement (consent); take back (withdraw).
    return _("What do you take back your agreement for? Tap all that apply, then «Next».")


def scope_label(scope: ConsentScope) -> str:
    labels: dict[ConsentScope, str] = {
        "data": _("Data collection"),
        "photos": _("Photos"),
        "videos": _("Videos"),
    }
    return labels[scope]


def scopes_line(scopes: tuple[ConsentScope, ...]) -> str:
    return ", ".join(scope_label(s) for s in scopes)


def all_of_them() -> str:
    return _("All of them")


def next_label() -> str:
    return _("Next")


def choose_one_first() -> str:
    return _("Please choose at least one.")


def ask_first_name(requester: str) -> str:
    if requester == "child":
        return _("What is your first name? Only the first name, please.")
    return _("What is your child's first name? Only the first name, please.")


def first_name_again() -> str:
    return _("Please send only the first name, in a few letters.")


def type_the_name() -> str:
    return _("Please type the first name, so that the team can find it on their list.")


def ask_activity() -> str:
    return _("Which activity is it about?")


def all_activities() -> str:
    return _("All activities")


def ask_erase() -> str:
    # Translators: Glossary (locales/glossary.toml): erase, delete.
    return _("Should we also delete the data we have already collected?")


def ask_take_down() -> str:
    return _("Should we also take down photos and videos that are already published?")


def yes() -> str:
    return _("Yes, please")


def no() -> str:
    return _("No")


def yes_or_no(value: bool) -> str:
    return yes() if value else no()


def activity_name(code: str | None, config: OrganisationConfig) -> str:
    activity = config.activity(code) if code else None
    return activity.name if activity is not None else all_activities()


def confirm(
    scopes: tuple[ConsentScope, ...],
    first_name: str,
    activity: str | None,
    erase: bool,
    take_down: bool | None,
    config: OrganisationConfig,
) -> str:
    lines = [
        _("Please check:"),
        # Translators: {scopes} is what the agreement is taken back for, a list such as "Photos,
        # Videos" (translated on their own). Glossary (locales/glossary.toml): take back (withdraw).
        _("Take back: {scopes}").format(scopes=scopes_line(scopes)),
        # Translators: {name} is the first name the person gave, e.g. "Ana".
        _("First name: {name}").format(name=html.escape(first_name)),
        # Translators: {activity} is the name of one of the organisation's activities, as configured
        # (e.g. "Football club"), not translated.
        _("Activity: {activity}").format(activity=html.escape(activity_name(activity, config))),
        # Translators: {answer} is "Yes" or "No", translated on their own. Glossary
        # (locales/glossary.toml): erase, delete.
        _("Delete the data already collected: {answer}").format(answer=yes_or_no(erase)),
    ]
    if take_down is not None:
        # Translators: {answer} is "Yes" or "No", translated on their own.
        lines.append(_("Take down what is published: {answer}").format(answer=yes_or_no(take_down)))
    lines += ["", _("No reason is needed. Send it now?")]
    return "\n".join(lines)


def send() -> str:
    return _("Send")


def delete_request() -> str:
    # Translators: Glossary (locales/glossary.toml): erase, delete.
    return _("Delete it")


def request_deleted() -> str:
    # Translators: Glossary (locales/glossary.toml): erase, delete.
    return _("Deleted. Nothing was sent.")


def sent(deadline: datetime, days: int, zone: ZoneInfo) -> str:
    # Translators: {day} is a date in words, e.g. "14 March 2026". {days} is a number of days,
    # e.g. 30: choose the plural form for it. Glossary (locales/glossary.toml): data-protection
    # contact.
    return ngettext(
        "Sent. Our data-protection contact will act on it by {day} (within {days} day). "
        "You do not need to do anything else.",
        "Sent. Our data-protection contact will act on it by {day} (within {days} days). "
        "You do not need to do anything else.",
        days,
    ).format(day=day_in_words(deadline, zone), days=days)


def reference(code: str, secret: str) -> str:
    # Translators: {code} is the reporter's code (6 letters and digits, e.g. "K7Q2MX"), kept
    # exactly. {secret} is the reporter's secret word (8 letters), kept exactly. Glossary
    # (locales/glossary.toml): secret word.
    return _(
        "Your reference: <b>{code}</b>\nYour secret word: <b>{secret}</b>\n"
        "With /status you can see how it is going and answer questions."
    ).format(code=code, secret=secret)


def status_button() -> str:
    return _("See my request")


def status(code: str, status: str, deadline: datetime | None, zone: ZoneInfo) -> str:
    if status == "done":
        text = _("done. What you asked for has been carried out.")
    else:
        # Translators: {day} is a date in words, e.g. "14 March 2026". Glossary
        # (locales/glossary.toml): data-protection contact.
        text = _("received. Our data-protection contact will act on it by {day}.").format(
            day=day_in_words(deadline, zone) if deadline is not None else "?"
        )
    # Translators: {code} is a case's code, e.g. "K7Q2MX", kept exactly. {status} is the rest of the
    # sentence, e.g. "done. What you asked for has been carried out." (translated on its own).
    return _("Request {code}: {status}").format(code=code, status=text)


def question_in_status(text: str, written_at: datetime, zone: ZoneInfo) -> str:
    return "\n\n".join(
        (
            "❓ "
            # Translators: {day} is a date in words, e.g. "14 March 2026". Glossary
            # (locales/glossary.toml): data-protection contact.
            + _("The data-protection contact asked on {day}:").format(
                day=day_in_words(written_at, zone)
            ),
            html.escape(text),
        )
    )


def nobody_to_read() -> str:
    return _(
        "Sorry, nobody can receive this yet: the organisation has not finished setting up. "
        "Please tell them in person, or try again later."
    )


# The data-protection contact.


def read_label() -> str:
    return _("Read")


def done_label() -> str:
    return _("Done")


def ask_label() -> str:
    return _("Ask a question")


def staff_buttons(code: str) -> Buttons:
    return [
        [(read_label(), ReadCase(code=code).pack())],
        [(done_label(), ConsentAction(action="done", code=code).pack())],
        [(ask_label(), ConsentAction(action="ask", code=code).pack())],
    ]


def open_requests(count: int) -> str:
    # Translators: {count} is a number, e.g. 3: choose the plural form for it. Glossary
    # (locales/glossary.toml): agreement (consent).
    return ngettext(
        "Open consent request for you: {count}.",
        "Open consent requests for you: {count}.",
        count,
    ).format(count=count)


def open_request(code: str, deadline: datetime, zone: ZoneInfo) -> str:
    # Translators: {code} is a consent request's code, e.g. "R4T8WQ", kept exactly. {deadline} is
    # a local date and time, e.g. "14 Mar 2026, 09:30 EET". Glossary (locales/glossary.toml):
    # agreement (consent); deadline.
    return "🛡 " + _("Consent request {code}. Deadline: {deadline}.").format(
        code=code, deadline=day_and_time(deadline, zone)
    )


def marked_done(code: str) -> str:
    # Translators: {code} is a case's code, e.g. "K7Q2MX", kept exactly.
    return _("Request {code} is done. The person who asked is told.").format(code=code)


def already_done(code: str) -> str:
    # Translators: {code} is a case's code, e.g. "K7Q2MX", kept exactly.
    return _("Request {code} is already done: nothing changed.").format(code=code)


def ask_question() -> str:
    # Translators: Glossary (locales/glossary.toml): data-protection contact.
    return _(
        "Write your question. The person who asked sees it as from «the data-protection "
        "contact», without your name."
    )


def question_sent(code: str) -> str:
    # Translators: {code} is a consent request's code, e.g. "R4T8WQ", kept exactly.
    return _("Question sent for request {code}.").format(code=code)


def too_long(limit: int) -> str:
    # Translators: {limit} is the largest number of characters allowed, e.g. 4000.
    return ngettext(
        "That is too long: please keep it under {limit} character.",
        "That is too long: please keep it under {limit} characters.",
        limit,
    ).format(limit=limit)


def write_as_text() -> str:
    return _("Please write it as text.")


def opened(request: Withdrawal, deadline: datetime, config: OrganisationConfig) -> list[str]:
    """A request as its reader sees it after Read."""
    lines = [
        # Translators: {code} is a consent request's code, e.g. "R4T8WQ", kept exactly. Glossary
        # (locales/glossary.toml): agreement (consent).
        "🛡 " + _("Consent request {code}").format(code=request.code),
        # Translators: {status} is a status, e.g. "acknowledged" for a case or "received" for a
        # request (translated on its own).
        _("Status: {status}").format(
            status=_("done") if request.status == "done" else _("received")
        ),
        # Translators: {received} is a local date and time, e.g. "14 Mar 2026, 09:30 EET".
        # {deadline} is a local date and time, e.g. "14 Mar 2026, 09:30 EET". Glossary
        # (locales/glossary.toml): deadline.
        _("Received: {received}. Deadline: {deadline}.").format(
            received=day_and_time(request.received_at, config.zone),
            deadline=day_and_time(deadline, config.zone),
        ),
        "",
        # Translators: {scopes} is what the agreement is taken back for, a list such as "Photos,
        # Videos" (translated on their own). Glossary (locales/glossary.toml): take back (withdraw).
        "<b>" + _("Takes back: {scopes}").format(scopes=scopes_line(request.scopes)) + "</b>",
        # Translators: {name} is the first name the person gave, e.g. "Ana".
        _("First name: {name}").format(name=html.escape(request.first_name)),
        # Translators: {activity} is the name of one of the organisation's activities, as configured
        # (e.g. "Football club"), not translated.
        _("Activity: {activity}").format(
            activity=html.escape(activity_name(request.activity, config))
        ),
        # Translators: {answer} is "Yes" or "No", translated on their own. Glossary
        # (locales/glossary.toml): erase, delete.
        _("Delete the data already collected: {answer}").format(answer=yes_or_no(request.erase)),
        # Translators: {answer} is "Yes" or "No", translated on their own.
        _("Take down what is published: {answer}").format(answer=yes_or_no(request.take_down)),
    ]
    return lines


def later_heading(kind: str, author: str | None) -> str:
    if kind == "question":
        # Translators: {name} is a staff member's first name, e.g. "Ana".
        return _("{name} asked").format(name=html.escape(author or "?"))
    if kind == "follow_up":
        return _("The person who asked answered")
    return kind


class ConsentTexts:
    """Renders what bot.consent sends through the outbox (it must not know about translations)."""

    def __init__(self, i18n: I18n, config: OrganisationConfig) -> None:
        self._i18n = i18n
        self._config = config

    def new_request(
        self, code: str, requester: str, activity: str | None, deadline: datetime, language: str
    ) -> tuple[str, Buttons]:
        with self._i18n.context(), self._i18n.use_locale(language):
            lines = [
                # Translators: {code} is a consent request's code, e.g. "R4T8WQ", kept exactly.
                # Glossary (locales/glossary.toml): agreement (consent); take back (withdraw).
                "🛡 " + _("Consent withdrawn: request {code}").format(code=code),
                # Translators: {audience} is who reported, e.g. "a child or young person"
                # (translated on its own).
                _("From: {audience}").format(audience=audience_label(requester)),
                # Translators: {activity} is the name of one of the organisation's activities, as
                # configured (e.g. "Football club"), not translated.
                _("Activity: {activity}").format(
                    activity=html.escape(activity_name(activity, self._config))
                ),
                # Translators: {deadline} is a local date and time, e.g. "14 Mar 2026, 09:30 EET".
                # Glossary (locales/glossary.toml): deadline.
                _("Deadline: {deadline}.").format(
                    deadline=day_and_time(deadline, self._config.zone)
                ),
                # Translators: Glossary (locales/glossary.toml): take back (withdraw).
                _("Tap Read to see what is taken back."),
            ]
            return "\n".join(lines), staff_buttons(code)

    def reminder(self, code: str, deadline: datetime, language: str) -> tuple[str, Buttons]:
        with self._i18n.context(), self._i18n.use_locale(language):
            # Translators: {code} is a consent request's code, e.g. "R4T8WQ", kept exactly.
            # {deadline} is a local date and time, e.g. "14 Mar 2026, 09:30 EET". Glossary
            # (locales/glossary.toml): agreement (consent); deadline.
            text = "⏰ " + _(
                "Consent request {code} is not done yet. Deadline: {deadline}."
            ).format(code=code, deadline=day_and_time(deadline, self._config.zone))
            return text, staff_buttons(code)

    def breach(self, code: str, deadline: datetime, language: str) -> str:
        with self._i18n.context(), self._i18n.use_locale(language):
            # Translators: {code} is a consent request's code, e.g. "R4T8WQ", kept exactly.
            # {deadline} is a local date and time, e.g. "14 Mar 2026, 09:30 EET". Glossary
            # (locales/glossary.toml): agreement (consent); deadline.
            return "⚠️ " + _(
                "Consent request {code} passed its deadline ({deadline}) and is not done."
            ).format(code=code, deadline=day_and_time(deadline, self._config.zone))

    def question(self, code: str, text: str, language: str) -> tuple[str, Buttons]:
        with self._i18n.context(), self._i18n.use_locale(language):
            message = "\n\n".join(
                (
                    "❓ "
                    # Translators: {code} is a consent request's code, e.g. "R4T8WQ", kept exactly.
                    # Glossary (locales/glossary.toml): data-protection contact.
                    + _(
                        "A question from our data-protection contact about your request {code}:"
                    ).format(code=code),
                    html.escape(text),
                    _("You can answer here. Tap «Answer»."),
                )
            )
            return message, [[(_("Answer"), AnswerSafePerson(code=code).pack())]]

    def done(self, code: str, language: str) -> str:
        with self._i18n.context(), self._i18n.use_locale(language):
            # Translators: {code} is a consent request's code, e.g. "R4T8WQ", kept exactly.
            return "✅ " + _(
                "Your request {code} is done. What you asked for has been carried out."
            ).format(code=code)

    def answered(self, code: str, language: str) -> tuple[str, Buttons]:
        with self._i18n.context(), self._i18n.use_locale(language):
            # Translators: {code} is a consent request's code, e.g. "R4T8WQ", kept exactly. Glossary
            # (locales/glossary.toml): agreement (consent).
            text = "✉️ " + _(
                "Consent request {code}: the person who asked answered. Tap Read to see it."
            ).format(code=code)
            return text, [[(_("Read"), ReadCase(code=code).pack())]]

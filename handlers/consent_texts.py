"""What the consent channel says: to the person taking back their agreement, and to the
data-protection contact. It never asks why, and it says so.
"""

from __future__ import annotations

import html
from datetime import datetime

from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _

from bot.consent import ConsentScope, Withdrawal
from bot.settings import OrganisationConfig
from handlers.alert_texts import audience_label
from handlers.keyboards import AnswerSafePerson, ConsentAction, ReadCase

Buttons = list[list[tuple[str, str]]]


def when(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")


# The person taking back their agreement.


def start_label() -> str:
    return _("Take back my agreement (photos, videos, data)")


def intro() -> str:
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
        _("Take back: {scopes}").format(scopes=scopes_line(scopes)),
        _("First name: {name}").format(name=html.escape(first_name)),
        _("Activity: {activity}").format(activity=html.escape(activity_name(activity, config))),
        _("Delete the data already collected: {answer}").format(answer=yes_or_no(erase)),
    ]
    if take_down is not None:
        lines.append(_("Take down what is published: {answer}").format(answer=yes_or_no(take_down)))
    lines += ["", _("No reason is needed. Send it now?")]
    return "\n".join(lines)


def send() -> str:
    return _("Send")


def delete_request() -> str:
    return _("Delete it")


def request_deleted() -> str:
    return _("Deleted. Nothing was sent.")


def sent(deadline: datetime, days: int) -> str:
    return ngettext(
        "Sent. Our data-protection contact will act on it by {day} (within {days} day). "
        "You do not need to do anything else.",
        "Sent. Our data-protection contact will act on it by {day} (within {days} days). "
        "You do not need to do anything else.",
        days,
    ).format(day=day(deadline), days=days)


def reference(code: str, secret: str) -> str:
    return _(
        "Your reference: <b>{code}</b>\nYour secret word: <b>{secret}</b>\n"
        "With /status you can see how it is going and answer questions."
    ).format(code=code, secret=secret)


def status_button() -> str:
    return _("See my request")


def status(code: str, status: str, deadline: datetime | None) -> str:
    if status == "done":
        text = _("done. What you asked for has been carried out.")
    else:
        text = _("received. Our data-protection contact will act on it by {day}.").format(
            day=day(deadline) if deadline is not None else "?"
        )
    return _("Request {code}: {status}").format(code=code, status=text)


def question_in_status(text: str, written_at: datetime) -> str:
    return "\n\n".join(
        (
            "❓ " + _("The data-protection contact asked on {day}:").format(day=day(written_at)),
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
    return ngettext(
        "Open consent request for you: {count}.",
        "Open consent requests for you: {count}.",
        count,
    ).format(count=count)


def open_request(code: str, deadline: datetime) -> str:
    return "🛡 " + _("Consent request {code}. Deadline: {deadline}.").format(
        code=code, deadline=when(deadline)
    )


def marked_done(code: str) -> str:
    return _("Request {code} is done. The person who asked is told.").format(code=code)


def already_done(code: str) -> str:
    return _("Request {code} is already done: nothing changed.").format(code=code)


def ask_question() -> str:
    return _(
        "Write your question. The person who asked sees it as from «the data-protection "
        "contact», without your name."
    )


def question_sent(code: str) -> str:
    return _("Question sent for request {code}.").format(code=code)


def too_long(limit: int) -> str:
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
        "🛡 " + _("Consent request {code}").format(code=request.code),
        _("Status: {status}").format(
            status=_("done") if request.status == "done" else _("received")
        ),
        _("Received: {received}. Deadline: {deadline}.").format(
            received=when(request.received_at), deadline=when(deadline)
        ),
        "",
        "<b>" + _("Takes back: {scopes}").format(scopes=scopes_line(request.scopes)) + "</b>",
        _("First name: {name}").format(name=html.escape(request.first_name)),
        _("Activity: {activity}").format(
            activity=html.escape(activity_name(request.activity, config))
        ),
        _("Delete the data already collected: {answer}").format(answer=yes_or_no(request.erase)),
        _("Take down what is published: {answer}").format(answer=yes_or_no(request.take_down)),
    ]
    return lines


def later_heading(kind: str, author: str | None) -> str:
    if kind == "question":
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
                "🛡 " + _("Consent withdrawn: request {code}").format(code=code),
                _("From: {audience}").format(audience=audience_label(requester)),
                _("Activity: {activity}").format(
                    activity=html.escape(activity_name(activity, self._config))
                ),
                _("Deadline: {deadline}.").format(deadline=when(deadline)),
                _("Tap Read to see what is taken back."),
            ]
            return "\n".join(lines), staff_buttons(code)

    def reminder(self, code: str, deadline: datetime, language: str) -> tuple[str, Buttons]:
        with self._i18n.context(), self._i18n.use_locale(language):
            text = "⏰ " + _(
                "Consent request {code} is not done yet. Deadline: {deadline}."
            ).format(code=code, deadline=when(deadline))
            return text, staff_buttons(code)

    def breach(self, code: str, deadline: datetime, language: str) -> str:
        with self._i18n.context(), self._i18n.use_locale(language):
            return "⚠️ " + _(
                "Consent request {code} passed its deadline ({deadline}) and is not done."
            ).format(code=code, deadline=when(deadline))

    def question(self, code: str, text: str, language: str) -> tuple[str, Buttons]:
        with self._i18n.context(), self._i18n.use_locale(language):
            message = "\n\n".join(
                (
                    "❓ "
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
            return "✅ " + _(
                "Your request {code} is done. What you asked for has been carried out."
            ).format(code=code)

    def answered(self, code: str, language: str) -> tuple[str, Buttons]:
        with self._i18n.context(), self._i18n.use_locale(language):
            text = "✉️ " + _(
                "Consent request {code}: the person who asked answered. Tap Read to see it."
            ).format(code=code)
            return text, [[(_("Read"), ReadCase(code=code).pack())]]

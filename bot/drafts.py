"""Drafts: what a reporter or a consent sender has answered so far, and the case it becomes.

A draft lives in the conversation state (sealed with the server key) between updates, as a
JSON-able dict. The stored shape is the one earlier versions wrote, so a draft in progress
survives an upgrade; reading is lenient (a key an older version did not write gets its default),
and a dict that cannot be a draft reads as no draft, which sends the person back to the start.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Final, Literal, get_args

from bot.audience import AUDIENCES, Audience
from bot.consent import (
    SCOPES,
    ConsentRequest,
    ConsentScope,
    Requester,
    consent_step_after,
    first_name_from,
    scopes_from,
)
from bot.intake import Report
from bot.reporting import (
    category_of,
    is_about_officer,
    step_after,
    urgency_of,
    wants_reply,
)

# The step a draft is on once every question is answered: the confirm screen.
CONFIRM: Final = "confirm"
REQUESTERS: Final[tuple[Requester, ...]] = get_args(Requester)
ANY_ACTIVITY: Final = "any"


def _strings(value: object) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _optional_text(value: object) -> str | None:
    return value if isinstance(value, str) else None


@dataclass
class ReportDraft:
    id: str
    audience: Audience
    # A step key of the audience's flow, or CONFIRM.
    step: str
    answers: dict[str, str] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    # Telegram's ids of the recordings; the recordings themselves are kept by bot.voices.
    voices: list[str] = field(default_factory=list)
    # The activity the person came from (an activity's own link), if any.
    activity: str | None = None

    def to_data(self) -> dict[str, object]:
        return {
            "audience": self.audience,
            "step": self.step,
            "id": self.id,
            "answers": dict(self.answers),
            "messages": list(self.messages),
            "voices": list(self.voices),
            "activity": self.activity,
        }

    @classmethod
    def from_data(cls, data: object) -> ReportDraft | None:
        if not isinstance(data, dict):
            return None
        audience, step, draft_id = data.get("audience"), data.get("step"), data.get("id")
        if audience not in AUDIENCES or not isinstance(step, str) or not isinstance(draft_id, str):
            return None
        answers = data.get("answers")
        return cls(
            id=draft_id,
            audience=next(a for a in AUDIENCES if a == audience),
            step=step,
            answers={
                str(key): value
                for key, value in (answers.items() if isinstance(answers, dict) else ())
                if isinstance(value, str)
            },
            messages=_strings(data.get("messages")),
            voices=_strings(data.get("voices")),
            activity=_optional_text(data.get("activity")),
        )


def new_report_draft(audience: Audience, draft_id: str, activity: str | None) -> ReportDraft:
    first = step_after(audience, None)
    return ReportDraft(
        id=draft_id,
        audience=audience,
        step=first.key if first is not None else CONFIRM,
        activity=activity,
    )


def report_step_after(draft: ReportDraft) -> str:
    """The step that follows the draft's own: the next question, or CONFIRM."""
    following = step_after(draft.audience, draft.step)
    return following.key if following is not None else CONFIRM


def report_from_draft(
    draft: ReportDraft,
    voice_notes: list[bytes],
    reply_chat_id: int,
    language: str | None,
) -> Report:
    """The report a finished draft makes: the answers, and what they mean for triage."""
    answers = dict(draft.answers)
    staff_activity = answers.get("where") if draft.audience == "staff" else None
    return Report(
        audience=draft.audience,
        urgency=urgency_of(draft.audience, answers),
        about_officer=is_about_officer(answers),
        wants_reply=wants_reply(draft.audience, answers),
        activity=draft.activity or staff_activity,
        category=category_of(answers),
        answers=answers,
        messages=list(draft.messages),
        voice_notes=voice_notes,
        reply_chat_id=reply_chat_id,
        draft_id=draft.id,
        language=language,
    )


@dataclass
class ConsentDraft:
    id: str
    # A ConsentStep, or CONFIRM.
    step: str
    requester: Requester | None = None
    scopes: tuple[ConsentScope, ...] = ()
    first_name: str = ""
    # None: every activity (or the organisation lists none).
    activity: str | None = None
    erase: bool = False
    # None: not asked (no photos or videos chosen).
    take_down: bool | None = None

    def to_data(self) -> dict[str, object]:
        data: dict[str, object] = {"id": self.id, "step": self.step, "scopes": list(self.scopes)}
        if self.requester is not None:
            data["requester"] = self.requester
        if self.first_name:
            data["first_name"] = self.first_name
        data["activity"] = self.activity
        data["erase"] = self.erase
        if self.take_down is not None:
            data["take_down"] = self.take_down
        return data

    @classmethod
    def from_data(cls, data: object) -> ConsentDraft | None:
        if not isinstance(data, dict):
            return None
        step, draft_id = data.get("step"), data.get("id")
        if not isinstance(step, str) or not isinstance(draft_id, str):
            return None
        requester = data.get("requester")
        take_down = data.get("take_down")
        return cls(
            id=draft_id,
            step=step,
            requester=next((r for r in REQUESTERS if r == requester), None),
            scopes=scopes_from(data.get("scopes")),
            first_name=_optional_text(data.get("first_name")) or "",
            activity=_optional_text(data.get("activity")),
            erase=data.get("erase") is True,
            take_down=take_down if isinstance(take_down, bool) else None,
        )


def new_consent_draft(draft_id: str) -> ConsentDraft:
    first = consent_step_after(None, (), has_activities=True)
    return ConsentDraft(id=draft_id, step=first or CONFIRM)


def consent_step_following(draft: ConsentDraft, has_activities: bool) -> str:
    """The step that follows the draft's own: the next question, or CONFIRM."""
    return consent_step_after(draft.step, draft.scopes, has_activities) or CONFIRM


ConsentPickResult = Literal["answered", "toggled", "choose_one_first", "not_an_answer"]


def apply_consent_pick(
    draft: ConsentDraft, step: str, value: str, activity_codes: Collection[str]
) -> ConsentPickResult:
    """A tapped answer, checked and written into the draft (which stays unchanged when it is
    not one). "toggled": a scope ticked or unticked, the same question stays; "answered": the
    question is answered and the next one is due."""
    if step != draft.step:
        return "not_an_answer"
    if step == "who" and value in REQUESTERS:
        draft.requester = next(r for r in REQUESTERS if r == value)
    elif step == "scopes" and value in SCOPES:
        draft.scopes = scopes_from(set(draft.scopes) ^ {value})
        return "toggled"
    elif step == "scopes" and value in ("all", "next"):
        chosen = SCOPES if value == "all" else draft.scopes
        if not chosen:
            return "choose_one_first"
        draft.scopes = chosen
    elif step == "activity" and (value == ANY_ACTIVITY or value in activity_codes):
        draft.activity = None if value == ANY_ACTIVITY else value
    elif step == "erase" and value in ("yes", "no"):
        draft.erase = value == "yes"
    elif step == "take_down" and value in ("yes", "no"):
        draft.take_down = value == "yes"
    else:
        return "not_an_answer"
    return "answered"


def apply_first_name(draft: ConsentDraft, typed: str) -> bool:
    """The first name as typed, if it can be one; False (and the draft unchanged) if not."""
    name = first_name_from(typed)
    if name is None:
        return False
    draft.first_name = name
    return True


def consent_request_from_draft(draft: ConsentDraft, reply_chat_id: int) -> ConsentRequest:
    """The request a finished draft makes. A draft read back from storage is trusted no more
    than a tap: only known scopes, and a requester even if an older draft lacks one."""
    return ConsentRequest(
        requester=draft.requester or "parent",
        scopes=scopes_from(draft.scopes),
        first_name=draft.first_name,
        activity=draft.activity,
        erase=draft.erase,
        take_down=bool(draft.take_down),
        reply_chat_id=reply_chat_id,
        draft_id=draft.id,
    )

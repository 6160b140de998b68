"""Drafts: their stored shape (old and new), and the report or consent request they make."""

from __future__ import annotations

import json
from typing import cast

import pytest

from bot.case_model import Urgency
from bot.clock import SystemClock
from bot.consent import SCOPES
from bot.drafts import (
    CONFIRM,
    ConsentDraft,
    ReportDraft,
    apply_consent_pick,
    apply_first_name,
    consent_request_from_draft,
    consent_step_following,
    new_consent_draft,
    new_report_draft,
    report_from_draft,
    report_step_after,
)
from handlers import (
    casework_steps,
    consent,
    enrolment,
    reading,
    reporting,
    states,
    status,
    steps,
)
from handlers.flows import StepScreen, StepViews
from handlers.keyboards import AckAlert, AnswerSafePerson, CaseAction, ReadCase
from handlers.states import Reporting

# Exactly what the handlers stored before drafts had types: a draft in progress at an upgrade.
OLD_REPORT_DRAFT = {
    "audience": "staff",
    "step": "where",
    "id": "ab" * 16,
    "answers": {"how_learned": "saw", "when": "yesterday"},
    "messages": ["first", "second"],
    "voices": ["voice-1"],
    "activity": None,
}
OLD_CONSENT_DRAFT = {
    "id": "cd" * 16,
    "step": "take_down",
    "scopes": ["photos", "data"],
    "requester": "child",
    "first_name": "Ana",
    "activity": "camp",
    "erase": True,
}


def test_a_report_draft_survives_its_stored_round_trip() -> None:
    draft = ReportDraft.from_data(OLD_REPORT_DRAFT)
    assert draft is not None
    assert draft.audience == "staff"
    assert draft.answers == {"how_learned": "saw", "when": "yesterday"}
    assert draft.messages == ["first", "second"]
    assert draft.voices == ["voice-1"]
    # Written back in the very shape it was read from (JSON-able, as the state stores it).
    assert json.loads(json.dumps(draft.to_data())) == OLD_REPORT_DRAFT
    assert ReportDraft.from_data(draft.to_data()) == draft


def test_a_report_draft_missing_lists_reads_with_empty_ones() -> None:
    older = {"audience": "child", "step": "story", "id": "x1"}
    draft = ReportDraft.from_data(older)
    assert draft == ReportDraft(id="x1", audience="child", step="story")


@pytest.mark.parametrize(
    "stored",
    [
        None,
        "draft",
        [],
        {"step": "story", "id": "x"},
        {"audience": "alien", "step": "s", "id": "x"},
    ],
)
def test_what_cannot_be_a_report_draft_reads_as_none(stored: object) -> None:
    assert ReportDraft.from_data(stored) is None


def test_a_consent_draft_survives_its_stored_round_trip() -> None:
    draft = ConsentDraft.from_data(OLD_CONSENT_DRAFT)
    assert draft is not None
    # Scopes come back known-only, in their usual order.
    assert draft.scopes == ("data", "photos")
    assert (draft.requester, draft.first_name, draft.activity) == ("child", "Ana", "camp")
    assert draft.erase is True
    assert draft.take_down is None
    assert ConsentDraft.from_data(json.loads(json.dumps(draft.to_data()))) == draft


def test_a_fresh_consent_draft_as_stored_before_reads() -> None:
    draft = ConsentDraft.from_data({"id": "e" * 32, "step": "who", "scopes": []})
    assert draft == new_consent_draft("e" * 32)


def test_a_report_draft_walks_its_flow_to_the_confirm_screen() -> None:
    draft = new_report_draft("parent", "id", activity=None)
    assert draft.step == "story"
    steps = []
    while draft.step != CONFIRM:
        steps.append(draft.step)
        draft.step = report_step_after(draft)
    assert steps == ["story", "in_danger", "authorities_know", "about_staff", "wants_reply"]


def test_report_from_draft_carries_the_triage_the_answers_mean() -> None:
    draft = ReportDraft(
        id="d1",
        audience="child",
        step=CONFIRM,
        answers={"safe_now": "no", "about_staff": "officer", "wants_reply": "yes"},
        messages=["what happened"],
        voices=["v1"],
        activity="camp",
    )
    report = report_from_draft(draft, [b"voice"], reply_chat_id=42, language="de")
    assert report.urgency == Urgency.IMMEDIATE
    assert report.about_officer
    assert report.wants_reply
    assert report.category == "about_staff"
    assert report.activity == "camp"
    assert report.answers == draft.answers
    assert report.messages == ["what happened"]
    assert report.voice_notes == [b"voice"]
    assert (report.reply_chat_id, report.draft_id, report.language) == (42, "d1", "de")


def test_a_staff_report_without_a_link_takes_its_activity_from_where() -> None:
    draft = ReportDraft(id="d2", audience="staff", step=CONFIRM, answers={"where": "camp"})
    report = report_from_draft(draft, [], reply_chat_id=7, language=None)
    assert report.activity == "camp"
    assert report.wants_reply  # staff are always reachable
    assert report.urgency == Urgency.STANDARD


def test_consent_answers_are_checked_before_they_are_kept() -> None:
    draft = new_consent_draft("c1")
    assert apply_consent_pick(draft, "who", "stranger", ()) == "not_an_answer"
    assert apply_consent_pick(draft, "scopes", "data", ()) == "not_an_answer"  # not its step
    assert apply_consent_pick(draft, "who", "parent", ()) == "answered"
    draft.step = consent_step_following(draft, has_activities=True)
    assert draft.step == "scopes"
    assert apply_consent_pick(draft, "scopes", "next", ()) == "choose_one_first"
    assert apply_consent_pick(draft, "scopes", "videos", ()) == "toggled"
    assert apply_consent_pick(draft, "scopes", "data", ()) == "toggled"
    assert apply_consent_pick(draft, "scopes", "videos", ()) == "toggled"
    assert draft.scopes == ("data",)
    assert apply_consent_pick(draft, "scopes", "all", ()) == "answered"
    assert draft.scopes == SCOPES
    draft.step = "first_name"
    assert not apply_first_name(draft, "see https://example.org/x")
    assert apply_first_name(draft, "  Ana   Maria ")
    assert draft.first_name == "Ana Maria"
    draft.step = "activity"
    assert apply_consent_pick(draft, "activity", "unknown", ("camp",)) == "not_an_answer"
    assert apply_consent_pick(draft, "activity", "any", ("camp",)) == "answered"
    assert draft.activity is None
    draft.step = "take_down"
    assert apply_consent_pick(draft, "take_down", "yes", ()) == "answered"
    assert consent_step_following(draft, has_activities=True) == CONFIRM


def test_consent_request_from_draft() -> None:
    draft = ConsentDraft.from_data(OLD_CONSENT_DRAFT)
    assert draft is not None
    request = consent_request_from_draft(draft, reply_chat_id=99)
    assert request.requester == "child"
    assert request.scopes == ("data", "photos")
    assert (request.first_name, request.activity) == ("Ana", "camp")
    assert request.erase
    assert not request.take_down
    assert (request.reply_chat_id, request.draft_id) == (99, "cd" * 16)


def test_a_consent_draft_without_a_requester_still_makes_a_request() -> None:
    draft = ConsentDraft(id="c2", step=CONFIRM, scopes=("data",), first_name="Ana")
    assert consent_request_from_draft(draft, reply_chat_id=1).requester == "parent"


def test_buttons_already_in_chats_pack_as_before() -> None:
    assert AckAlert(code="K7QX").pack() == "ack:K7QX"
    assert ReadCase(code="K7QX").pack() == "read:K7QX"
    assert AnswerSafePerson(code="K7QX").pack() == "asp:K7QX"
    assert CaseAction(action="card", code="K7QX").pack() == "cw:card:K7QX"


async def test_each_step_has_one_view_and_an_unknown_step_has_none() -> None:
    views = StepViews()

    async def show(screen: StepScreen) -> bool:
        return True

    views.register(Reporting.answering, show)
    with pytest.raises(ValueError, match="already has a view"):
        views.register(Reporting.answering, show)
    # No step, or one an older version stored: nothing to show (the caller starts afresh).
    unused = cast(StepScreen, None)
    assert not await views.show(None, unused)
    assert not await views.show("Gone:step", unused)


def test_every_conversation_step_is_shown_again_by_some_router() -> None:
    views = StepViews()
    steps.register_step_views(views)
    casework_steps.register_step_views(views, SystemClock())
    for module in (enrolment, reading, consent, status, reporting):
        module.build_router(views)
    groups = (
        states.Onboarding,
        states.Reporting,
        states.Enrolment,
        states.Unlocking,
        states.StatusCheck,
        states.CaseHandling,
        states.ConsentFlow,
        states.ConsentHandling,
    )
    for group in groups:
        for step in group.__all_states__:
            assert step.state is not None
            assert views.has_view(step.state), step.state

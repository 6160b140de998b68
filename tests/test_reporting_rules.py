"""What a child's answers mean for triage, without Telegram."""

from __future__ import annotations

from bot.case_model import Urgency
from bot.reporting import CHILD_FLOW, is_danger, is_unsure_if_safe, urgency_of


def test_a_child_may_say_they_do_not_know_if_they_are_safe() -> None:
    safe_now = next(step for step in CHILD_FLOW if step.key == "safe_now")
    assert safe_now.values == ("yes", "no", "unsure")


def test_not_knowing_is_urgent_but_not_an_emergency() -> None:
    assert is_unsure_if_safe("safe_now", "unsure")
    assert not is_danger("safe_now", "unsure")
    assert urgency_of("child", {"safe_now": "unsure"}) == Urgency.URGENT
    assert urgency_of("child", {"safe_now": "no"}) == Urgency.IMMEDIATE
    assert urgency_of("child", {"safe_now": "yes"}) == Urgency.URGENT


def test_only_the_safety_question_has_an_unsure_that_brings_the_numbers() -> None:
    # A parent's "I am not sure" about danger keeps its own meaning: no numbers, standard.
    assert not is_unsure_if_safe("in_danger", "unsure")
    assert urgency_of("parent", {"in_danger": "unsure"}) == Urgency.STANDARD

"""Report flows as data: the questions each audience is asked, and what the answers mean.

The wording lives with the handlers (it is translated); here each step has a key, a kind and,
for choices, the values an answer can take. The rules that turn answers into triage metadata
(urgency, whether the case must bypass the officer) are here, so they are tested without Telegram.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from bot.audience import Audience
from bot.case_model import Urgency

StepKind = Literal["choice", "free_text", "telling"]

# How much one draft may hold: Telegram's own limits make each message small, but a draft is
# kept (sealed) in the conversation state until it is sent.
MAX_MESSAGES: Final = 60
MAX_VOICE_NOTES: Final = 10
# getFile refuses files over 20 MB.
MAX_VOICE_BYTES: Final = 20 * 1024 * 1024


@dataclass(frozen=True)
class Step:
    key: str
    kind: StepKind
    values: tuple[str, ...] = ()
    skippable: bool = False


# Answers that mean "in danger now": the help numbers are shown at once and the case is immediate.
DANGER_ANSWERS: Final = {("safe_now", "no"), ("in_danger", "yes")}
# "I do not know" to "Are you safe right now?": the free numbers, gently, but not an emergency
# (a child's own report is urgent whatever they answer).
UNSURE_IF_SAFE_ANSWERS: Final = {("safe_now", "unsure")}
# Answers that keep the case away from the officer: it goes to the board instead.
ABOUT_OFFICER_ANSWERS: Final = {("about_staff", "officer")}

CHILD_FLOW: Final = (
    Step("safe_now", "choice", ("yes", "no", "unsure")),
    Step("story", "telling"),
    Step("first_name", "free_text", skippable=True),
    Step("about_staff", "choice", ("no", "yes", "officer")),
    Step("wants_reply", "choice", ("yes", "no")),
)

PARENT_FLOW: Final = (
    Step("story", "telling"),
    Step("in_danger", "choice", ("yes", "no", "unsure")),
    Step("authorities_know", "choice", ("yes", "no", "unsure")),
    Step("about_staff", "choice", ("no", "yes", "officer")),
    Step("wants_reply", "choice", ("yes", "no")),
)

STAFF_FLOW: Final = (
    Step("how_learned", "choice", ("saw", "child_told", "colleague", "suspect")),
    Step("story", "telling"),
    Step("when", "free_text"),
    Step("where", "choice"),  # values: the config's activities, and "elsewhere"
    Step("child_first_name", "free_text", skippable=True),
    Step("who_involved", "free_text"),
    Step("in_danger", "choice", ("yes", "no", "unsure")),
    Step("done_already", "free_text"),
    Step("authorities_know", "choice", ("yes", "no", "unsure")),
    Step("about_staff", "choice", ("no", "yes", "officer")),
)

FLOWS: Final[dict[Audience, tuple[Step, ...]]] = {
    "child": CHILD_FLOW,
    "parent": PARENT_FLOW,
    "staff": STAFF_FLOW,
    "other": PARENT_FLOW,
}


def step_after(audience: Audience, key: str | None) -> Step | None:
    """The step that follows `key` (the first one for None); None when all are answered."""
    flow = FLOWS[audience]
    if key is None:
        return flow[0]
    index = next(i for i, step in enumerate(flow) if step.key == key)
    return flow[index + 1] if index + 1 < len(flow) else None


def find_step(audience: Audience, key: str) -> Step | None:
    return next((step for step in FLOWS[audience] if step.key == key), None)


def is_danger(key: str, value: str) -> bool:
    return (key, value) in DANGER_ANSWERS


def is_unsure_if_safe(key: str, value: str) -> bool:
    return (key, value) in UNSURE_IF_SAFE_ANSWERS


def urgency_of(audience: Audience, answers: dict[str, str]) -> Urgency:
    """Danger now is immediate; a child's own report, or one about staff, is urgent."""
    if any(is_danger(key, value) for key, value in answers.items()):
        return Urgency.IMMEDIATE
    if audience == "child" or answers.get("about_staff") in {"yes", "officer"}:
        return Urgency.URGENT
    return Urgency.STANDARD


def is_about_officer(answers: dict[str, str]) -> bool:
    return any((key, value) in ABOUT_OFFICER_ANSWERS for key, value in answers.items())


def category_of(answers: dict[str, str]) -> str | None:
    """The one category the ladder may see in the clear: whether staff are involved."""
    if answers.get("about_staff") in {"yes", "officer"}:
        return "about_staff"
    return None


def wants_reply(audience: Audience, answers: dict[str, str]) -> bool:
    # Staff are always reachable: the officer may need to ask them something.
    return audience == "staff" or answers.get("wants_reply") == "yes"

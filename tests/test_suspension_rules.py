"""Who may name whom in a concern, and who may give access back (bot.suspension)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.staff import Member
from bot.suspension import may_give_access_back, may_mark_concerned, may_name, may_reinstate
from storage.models import StaffMember
from storage.vocabulary import StaffRole, StaffStatus


def member(member_id: int, role: StaffRole, status: StaffStatus = StaffStatus.ACTIVE) -> Member:
    return Member(member_id, f"m{member_id}", role, None, status)


def row(member_id: int, role: StaffRole, status: StaffStatus = StaffStatus.ACTIVE) -> StaffMember:
    return StaffMember(
        id=member_id,
        name=f"m{member_id}",
        role=role,
        status=status,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
    )


@pytest.mark.parametrize(
    ("role", "may"),
    [
        (StaffRole.OFFICER, True),
        (StaffRole.DEPUTY, True),
        (StaffRole.BOARD, True),
        (StaffRole.SAFE_PERSON, False),
        (StaffRole.DPO, False),
    ],
)
def test_who_may_mark_a_member_as_concerned(role: StaffRole, may: bool) -> None:
    assert may_mark_concerned(member(1, role)) is may


def test_only_the_board_names_the_officer_and_nobody_names_themselves() -> None:
    officer = row(1, StaffRole.OFFICER)
    assert may_name(member(2, StaffRole.BOARD), officer)
    assert not may_name(member(3, StaffRole.DEPUTY), officer)
    assert may_name(member(1, StaffRole.OFFICER), row(4, StaffRole.SAFE_PERSON))
    assert not may_name(member(1, StaffRole.OFFICER), row(1, StaffRole.OFFICER))
    # Someone already paused, or revoked, is not offered again.
    assert not may_name(
        member(1, StaffRole.OFFICER), row(5, StaffRole.DEPUTY, StaffStatus.SUSPENDED)
    )
    assert not may_name(member(1, StaffRole.OFFICER), row(6, StaffRole.DEPUTY, StaffStatus.REVOKED))


def test_only_the_board_gives_the_officer_access_back() -> None:
    officer = row(1, StaffRole.OFFICER, StaffStatus.SUSPENDED)
    safe_person = row(4, StaffRole.SAFE_PERSON, StaffStatus.SUSPENDED)
    assert may_reinstate(member(2, StaffRole.BOARD), officer)
    assert not may_reinstate(member(7, StaffRole.OFFICER), officer)
    assert may_reinstate(member(7, StaffRole.OFFICER), safe_person)
    assert not may_reinstate(member(3, StaffRole.DEPUTY), safe_person)
    assert not may_give_access_back(StaffRole.DEPUTY)
    assert may_give_access_back(StaffRole.BOARD)

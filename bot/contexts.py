"""Every label the bot's keys bind data to, in one place.

Two kinds of names:
- `Label`: the purpose given to `ServerKeys.key_id` (a keyed HMAC). Distinct purposes keep an
  identifier made for one use from matching one made for another.
- the `*_context` functions: the associated data (AEAD) or HPKE `info` a sealed value is bound
  to. A sealed value opens only under the exact context it was sealed with, so a blob moved to
  another row, case, person or field does not open.

Every byte here is stored in sealed data and identifiers already written: changing one strands
them (tests/test_crypto.py pins each). A new use gets a new name, never a reused one.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class Label(StrEnum):
    """Purposes of `ServerKeys.key_id` identifiers, each with what it identifies."""

    # A person, from their Telegram id: they are recognised without the id being stored.
    PERSON = "person"
    # A draft that became a case: a second tap on Send finds it and files nothing.
    SUBMISSION = "submission"
    # Wrong receipts counted per person who guesses.
    GUESSES_PERSON = "guesses-person"
    # Wrong receipts counted per case guessed at.
    GUESSES_CASE = "guesses-case"
    # Wrong passphrases counted per staff member.
    GUESSES_STAFF = "guesses-staff"
    # A staff invitation code, stored only as this.
    INVITATION = "invitation"
    # A chat the bot wrote to (its bot id and chat id), for wiping what it sent there.
    TRAIL = "trail"
    # A draft's voice notes, held until the report is sent.
    DRAFT_VOICE = "draft voice"
    # An outgoing staff message's dedupe key: one message per purpose, however often queued.
    OUTBOX = "outbox"
    # A conversation's row in the FSM storage (aiogram's storage key).
    FSM = "fsm"
    # The secret Telegram echoes on every webhook call.
    WEBHOOK = "webhook secret"
    # An audit event MAC, written before the log had an anchor.
    AUDIT = "audit"
    # An audit event MAC, written since the anchor.
    AUDIT_ANCHORED = "audit anchored"
    # The audit log's anchor (event count and head).
    AUDIT_ANCHOR = "audit anchor"
    # The value that tells whether this secret is the one the log was written under.
    AUDIT_KEY_CHECK = "audit key check"
    # The head's fingerprint, read aloud and compared with `audit verify --expect`.
    AUDIT_FINGERPRINT = "audit fingerprint"
    # The value in a backup's manifest that tells whether this secret is the one it needs.
    BACKUP_KEY_CHECK = "backup key check"
    # A member's unlocked reader key in the shared store (Redis): its entry's name there.
    UNLOCKED_KEY = "unlocked key"


# What `Label.WEBHOOK` is computed over: a new version would change the webhook's secret.
WEBHOOK_VERSION: Final = "v1"

# HKDF from SAFEPERSON_SECRET: its salt, and the `info` of each key derived from it.
SERVER_KEY_SALT: Final = b"safeperson server key v1"
SERVER_KEY_PSEUDONYMS: Final = b"pseudonym"
SERVER_KEY_STATE_SEALING: Final = b"state sealing"
# Unlocked reader keys while they sit in the shared store (Redis): a key of their own, so that
# nothing sealed for the database can be passed off as one of them, or the other way round.
SERVER_KEY_UNLOCKED_KEYS: Final = b"unlocked keys"

# Prefixed to an entry's context as its HPKE `info`: a wrapped data key opens only for an
# entry of this format.
ENTRY_INFO_PREFIX: Final = b"safeperson entry v1\x00"


# Associated data of everything sealed, each bound to what it belongs to.
def report_context(code: str, token: str) -> bytes:
    """A case entry's content (HPKE, reader keys): its case and its own random id, so an
    entry cannot be moved to another case or stand in for another entry."""
    return f"case:{code}|entry:{token}".encode()


def reader_key_context(owner: int | str) -> bytes:
    """A private key locked under a passphrase or receipt: whose key it is (a staff member's
    id, or `reporter_key_context(code)`), so one cannot stand in for another."""
    return f"safeperson reader key v1|{owner}".encode()


def reporter_key_context(code: str) -> str:
    """The owner a case's reporter key is locked for: the reporter of that case."""
    return f"reporter|{code}"


def reply_route_context(code: str) -> bytes:
    """The reporter's chat id (server key), bound to the case it is the route of."""
    return f"route|{code}".encode()


def staff_route_context(member_id: int) -> bytes:
    """A staff member's chat id (server key), bound to that member."""
    return f"staff route|{member_id}".encode()


def locale_context(pseudonym: str) -> bytes:
    """A person's chosen language (server key), bound to that person's pseudonym."""
    return f"locale|{pseudonym}".encode()


def draft_voice_context(key: str) -> bytes:
    """A draft's voice note (server key), bound to the draft's `Label.DRAFT_VOICE` key."""
    return f"draft voice|{key}".encode()


def voice_prompt_context(language: str, prompt_key: str) -> bytes:
    """The organisation's recording of a child-facing message (server key), bound to its
    language and message, so one cannot be played in place of another."""
    return f"voice prompt|{language}|{prompt_key}".encode()


def outbox_route_context(dedupe_key: str) -> bytes:
    """An outgoing message's chat id (server key), bound to its dedupe key."""
    return f"outbox|{dedupe_key}|route".encode()


def outbox_payload_context(dedupe_key: str) -> bytes:
    """An outgoing message's text and buttons (server key), bound to its dedupe key."""
    return f"outbox|{dedupe_key}|payload".encode()


def trail_context(chat_key: str) -> bytes:
    """A message id the bot sent (server key), bound to the chat's `Label.TRAIL` key."""
    return f"trail|{chat_key}".encode()


def shown_context(message_id: int) -> bytes:
    """The chat of a message shown for a while (server key), bound to that message."""
    return f"shown|{message_id}".encode()


def unlocked_key_context(member_id: int) -> bytes:
    """A member's unlocked private key in the shared store (server key), bound to that member,
    so an entry copied to another member's name does not open."""
    return f"unlocked key|{member_id}".encode()


def conversation_context(row_key: str, field: str) -> bytes:
    """A conversation's state or data (server key), bound to its row and to the field."""
    return f"fsm|{row_key}|{field}".encode()

"""The case envelope: how a case's entries and routes are sealed, and opened again.

An entry is sealed to its readers' public keys (and, for a reply, to the reporter's own key)
with `bot.crypto`, bound to `report_context`: the server cannot open it. What the bot itself
must read back later (the reporter's chat, a conversation in progress) is sealed with the server
key, bound to its own context. Every context and label is named in `bot.contexts`.
"""

from __future__ import annotations

from typing import Final

from bot.case_model import EntryKind
from bot.clock import Clock, RandomSource
from bot.contexts import Label, conversation_context, reply_route_context, report_context
from bot.crypto import open_entry, seal_entry
from bot.server_keys import ServerKeys
from storage.cases import CaseRepository, NewEntry
from storage.models import CaseEntry, ReportCase

# The key a reporter's own public key goes under while sealing (staff ids are positive).
_REPORTER: Final = -1


def seal_case_entry(
    code: str,
    kind: EntryKind,
    author: str,
    content: bytes,
    readers: dict[int, bytes],
    reporter_public_key: bytes | None,
    clock: Clock,
    random: RandomSource,
) -> NewEntry:
    """Seal one entry of a case for its readers (and, for a reply, for the reporter too)."""
    token = random.token_bytes(16).hex()
    recipients = dict(readers)
    if reporter_public_key is not None:
        recipients[_REPORTER] = reporter_public_key
    sealed = seal_entry(content, recipients, report_context(code, token), random)
    wrapped = dict(sealed.wrapped_keys)
    reporter_key = wrapped.pop(_REPORTER, None)
    return NewEntry(
        token=token,
        kind=kind,
        author=author,
        suite=sealed.suite,
        format_version=sealed.version,
        nonce=sealed.nonce,
        ciphertext=sealed.ciphertext,
        wrapped_keys=wrapped,
        created_at=clock.now(),
        reporter_key=reporter_key,
    )


def open_case_entry(code: str, entry: CaseEntry, wrapped_key: bytes, private_key: bytes) -> bytes:
    """Open one sealed entry of a case with the data key wrapped for this private key (the
    twin of `seal_case_entry`); raises SealedEntryError if it is not theirs."""
    return open_entry(
        suite=entry.suite,
        version=entry.format_version,
        nonce=entry.nonce,
        ciphertext=entry.ciphertext,
        wrapped_key=wrapped_key,
        private_key=private_key,
        context=report_context(code, entry.token),
    )


async def sealing_keys(cases: CaseRepository, case: ReportCase) -> dict[int, bytes]:
    """Whom something added to a case is sealed for: its readers, less anyone revoked."""
    return {
        m.id: m.public_key
        for m in await cases.active_readers_of(case.id)
        if m.public_key is not None
    }


def seal_reply_route(keys: ServerKeys, code: str, chat_id: int) -> bytes:
    """The reporter's chat, sealed so that only the bot can write back to it, for this case."""
    return keys.seal(str(chat_id).encode(), reply_route_context(code))


def reply_chat(keys: ServerKeys, case: ReportCase) -> int | None:
    """The reporter's chat, if they asked to be written back to."""
    if case.reply_route is None:
        return None
    return int(keys.open(case.reply_route, reply_route_context(case.code)))


class ConversationCipher:
    """The server key as the FSM storage uses it: a conversation's row key, and its fields
    sealed to that row (storage.fsm.StateCipher)."""

    def __init__(self, keys: ServerKeys) -> None:
        self._keys = keys

    def row_key(self, storage_key: str) -> str:
        return self._keys.key_id(Label.FSM, storage_key)

    def seal_field(self, row_key: str, field: str, value: bytes) -> bytes:
        return self._keys.seal(value, conversation_context(row_key, field))

    def open_field(self, row_key: str, field: str, sealed: bytes) -> bytes:
        return self._keys.open(sealed, conversation_context(row_key, field))

"""Sealing: only the named readers open an entry, and only in its own context."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import contexts
from bot.clock import SystemRandom
from bot.contexts import Label
from bot.crypto import (
    FORMAT_VERSION,
    SUITE,
    SealedEntry,
    SealedEntryError,
    SecretHasher,
    generate_reader_keys,
    open_entry,
    seal_entry,
)
from bot.server_keys import ServerKeys

OFFICER = generate_reader_keys()
DEPUTY = generate_reader_keys()
STRANGER = generate_reader_keys()


def open_as(reader_id: int, private_key: bytes, sealed: SealedEntry, context: bytes) -> bytes:
    return open_entry(
        suite=sealed.suite,
        version=sealed.version,
        nonce=sealed.nonce,
        ciphertext=sealed.ciphertext,
        wrapped_key=sealed.wrapped_keys[reader_id],
        private_key=private_key,
        context=context,
    )


@settings(max_examples=20, deadline=None)
@given(st.binary(max_size=5000))
def test_each_reader_opens_exactly_what_was_sealed(plaintext: bytes) -> None:
    sealed = seal_entry(
        plaintext, {1: OFFICER.public_key, 2: DEPUTY.public_key}, b"case:A|entry:1", SystemRandom()
    )
    assert (sealed.suite, sealed.version) == (SUITE, FORMAT_VERSION)
    assert open_as(1, OFFICER.private_key, sealed, b"case:A|entry:1") == plaintext
    assert open_as(2, DEPUTY.private_key, sealed, b"case:A|entry:1") == plaintext


def test_the_ciphertext_does_not_contain_the_text() -> None:
    text = "Mă lovește acasă — canary 5c1f".encode()
    sealed = seal_entry(text, {1: OFFICER.public_key}, b"ctx", SystemRandom())
    assert text not in sealed.ciphertext
    assert all(text not in wrapped for wrapped in sealed.wrapped_keys.values())


def test_a_reader_not_named_cannot_open() -> None:
    sealed = seal_entry(b"secret", {1: OFFICER.public_key}, b"ctx", SystemRandom())
    assert 2 not in sealed.wrapped_keys
    with pytest.raises(SealedEntryError):
        open_as(1, STRANGER.private_key, sealed, b"ctx")


def test_an_entry_moved_to_another_case_does_not_open() -> None:
    sealed = seal_entry(b"secret", {1: OFFICER.public_key}, b"case:A|entry:1", SystemRandom())
    with pytest.raises(SealedEntryError):
        open_as(1, OFFICER.private_key, sealed, b"case:B|entry:1")


def test_altered_ciphertext_does_not_open() -> None:
    sealed = seal_entry(b"secret", {1: OFFICER.public_key}, b"ctx", SystemRandom())
    flipped = replace(sealed, ciphertext=bytes([sealed.ciphertext[0] ^ 1]) + sealed.ciphertext[1:])
    with pytest.raises(SealedEntryError):
        open_as(1, OFFICER.private_key, flipped, b"ctx")


def test_sealing_for_nobody_is_refused() -> None:
    with pytest.raises(ValueError, match="nobody"):
        seal_entry(b"secret", {}, b"ctx", SystemRandom())


async def test_secret_hashes_verify_only_the_right_secret() -> None:
    hasher = SecretHasher(SystemRandom())
    encoded = await hasher.hash("K7P4-Q9XM")
    assert encoded.startswith("$argon2id$")
    assert "K7P4" not in encoded
    assert await hasher.verify("K7P4-Q9XM", encoded)
    assert not await hasher.verify("K7P4-Q9XN", encoded)
    # The same secret hashes differently each time (a fresh salt).
    assert await hasher.hash("K7P4-Q9XM") != encoded


# Every label and context as stored bytes. Sealed rows and keyed ids already written depend on
# each one: a change here strands them, so a change must be a new name, never an edit.
PINNED_LABELS = {
    "PERSON": "person",
    "SUBMISSION": "submission",
    "GUESSES_PERSON": "guesses-person",
    "GUESSES_CASE": "guesses-case",
    "GUESSES_STAFF": "guesses-staff",
    "INVITATION": "invitation",
    "TRAIL": "trail",
    "DRAFT_VOICE": "draft voice",
    "OUTBOX": "outbox",
    "FSM": "fsm",
    "WEBHOOK": "webhook secret",
    "AUDIT": "audit",
    "AUDIT_ANCHORED": "audit anchored",
    "AUDIT_ANCHOR": "audit anchor",
    "AUDIT_KEY_CHECK": "audit key check",
    "AUDIT_FINGERPRINT": "audit fingerprint",
    "BACKUP_KEY_CHECK": "backup key check",
    "UNLOCKED_KEY": "unlocked key",
}


def test_every_key_id_label_keeps_its_bytes() -> None:
    assert {label.name: label.value for label in Label} == PINNED_LABELS
    assert contexts.WEBHOOK_VERSION == "v1"


def test_every_context_keeps_its_bytes() -> None:
    assert contexts.report_context("ABC234", "ff00") == b"case:ABC234|entry:ff00"
    assert contexts.reader_key_context(7) == b"safeperson reader key v1|7"
    assert contexts.reporter_key_context("ABC234") == "reporter|ABC234"
    assert (
        contexts.reader_key_context(contexts.reporter_key_context("ABC234"))
        == b"safeperson reader key v1|reporter|ABC234"
    )
    assert contexts.reply_route_context("ABC234") == b"route|ABC234"
    assert contexts.staff_route_context(7) == b"staff route|7"
    assert contexts.locale_context("p1") == b"locale|p1"
    assert contexts.draft_voice_context("k1") == b"draft voice|k1"
    assert contexts.voice_prompt_context("rom", "safe_now") == b"voice prompt|rom|safe_now"
    assert contexts.outbox_route_context("d1") == b"outbox|d1|route"
    assert contexts.outbox_payload_context("d1") == b"outbox|d1|payload"
    assert contexts.trail_context("c1") == b"trail|c1"
    assert contexts.shown_context(9) == b"shown|9"
    assert contexts.conversation_context("r1", "data") == b"fsm|r1|data"
    assert contexts.unlocked_key_context(7) == b"unlocked key|7"
    assert contexts.ENTRY_INFO_PREFIX == b"safeperson entry v1\x00"
    assert contexts.SERVER_KEY_SALT == b"safeperson server key v1"
    assert contexts.SERVER_KEY_PSEUDONYMS == b"pseudonym"
    assert contexts.SERVER_KEY_STATE_SEALING == b"state sealing"
    assert contexts.SERVER_KEY_UNLOCKED_KEYS == b"unlocked keys"


def test_server_keys_still_derive_what_they_derived() -> None:
    """A keyed id and a sealed blob made before the labels moved: both as they were."""
    keys = ServerKeys(bytes(range(32)), SystemRandom())
    assert keys.pseudonym(42) == (
        "b5b8f1bc8eab4bf8e9d91faedbaa49b6f3545dcdc64a3f88c8f6ff984f435523"
    )
    sealed = bytes.fromhex("01e212958cfd184efa60551c8d885bb5971b12db2477cd860707a4e53b60")
    assert keys.open(sealed, contexts.reply_route_context("ABC")) == b"x"

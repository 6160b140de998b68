"""Sealing: only the named readers open an entry, and only in its own context."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.clock import SystemRandom
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

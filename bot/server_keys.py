"""The server key: what the bot itself must be able to read back, and nothing more.

From the 32-byte SAFEPERSON_SECRET, HKDF-SHA256 derives one independent key per purpose:
- pseudonyms: HMAC-SHA256 of a Telegram id (or of an FSM key), so people are recognised
  without their ids being stored;
- state sealing: ChaCha20-Poly1305 with a random 96-bit nonce, for drafts in the FSM storage and
  for routing data the bot must use later;
- unlocked-key sealing: the same construction under its own key, for a member's unlocked reader
  key while it sits in the shared store (Redis) between instances (bot.keyvault).

Report content is not sealed with this key: it is sealed to the readers' public keys (HPKE), so
that the server cannot read it at rest.
"""

from __future__ import annotations

import hashlib
import hmac

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from bot.clock import RandomSource
from bot.contexts import (
    SERVER_KEY_PSEUDONYMS,
    SERVER_KEY_SALT,
    SERVER_KEY_STATE_SEALING,
    SERVER_KEY_UNLOCKED_KEYS,
    Label,
)

# Sealed blobs start with a format byte, so a later change of algorithm can read old rows.
_FORMAT_CHACHA20POLY1305_V1 = b"\x01"
_NONCE_BYTES = 12


class SealedDataError(Exception):
    """A sealed blob did not open: it was altered, moved, or sealed under another secret."""


def _derive(secret: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=SERVER_KEY_SALT, info=purpose).derive(
        secret
    )


class ServerKeys:
    def __init__(self, secret: bytes, random: RandomSource) -> None:
        if len(secret) != 32:
            raise ValueError("the server secret is 32 bytes")
        self._pseudonym_key = _derive(secret, SERVER_KEY_PSEUDONYMS)
        self._state_aead = ChaCha20Poly1305(_derive(secret, SERVER_KEY_STATE_SEALING))
        self._unlocked_aead = ChaCha20Poly1305(_derive(secret, SERVER_KEY_UNLOCKED_KEYS))
        self._random = random

    def key_id(self, purpose: Label, value: str) -> str:
        """A stable, keyed, one-way identifier for value (hex HMAC-SHA256)."""
        message = purpose.encode() + b"\x00" + value.encode()
        return hmac.new(self._pseudonym_key, message, hashlib.sha256).hexdigest()

    def pseudonym(self, telegram_user_id: int) -> str:
        return self.key_id(Label.PERSON, str(telegram_user_id))

    def seal(self, plaintext: bytes, associated_data: bytes) -> bytes:
        return self._seal(self._state_aead, plaintext, associated_data)

    def open(self, sealed: bytes, associated_data: bytes) -> bytes:
        return self._open(self._state_aead, sealed, associated_data)

    def seal_unlocked(self, private_key: bytes, associated_data: bytes) -> bytes:
        """An unlocked reader key, for the shared store only (never the database)."""
        return self._seal(self._unlocked_aead, private_key, associated_data)

    def open_unlocked(self, sealed: bytes, associated_data: bytes) -> bytes:
        return self._open(self._unlocked_aead, sealed, associated_data)

    def _seal(self, aead: ChaCha20Poly1305, plaintext: bytes, associated_data: bytes) -> bytes:
        nonce = self._random.token_bytes(_NONCE_BYTES)
        sealed = aead.encrypt(nonce, plaintext, associated_data)
        return _FORMAT_CHACHA20POLY1305_V1 + nonce + sealed

    @staticmethod
    def _open(aead: ChaCha20Poly1305, sealed: bytes, associated_data: bytes) -> bytes:
        if not sealed.startswith(_FORMAT_CHACHA20POLY1305_V1):
            raise SealedDataError("unknown sealed format")
        nonce = sealed[1 : 1 + _NONCE_BYTES]
        try:
            return aead.decrypt(nonce, sealed[1 + _NONCE_BYTES :], associated_data)
        except InvalidTag as exc:
            raise SealedDataError("sealed data does not open with this server secret") from exc

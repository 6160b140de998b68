"""All report cryptography, behind one facade. Every function names its exact algorithms.

Sealing a case entry (the server cannot open it afterwards):
- a fresh 256-bit data key and 96-bit nonce per entry; the content is encrypted with
  ChaCha20-Poly1305 under that key, with the entry's context (case and entry ids) as associated
  data, so an entry cannot be moved to another case;
- the data key is wrapped for each reader with HPKE (RFC 9180) base mode, single shot, suite
  KEM MLKEM768-X25519 (X-Wing, KEM id 0x647a, draft-ietf-hpke-pq: post-quantum hybrid, because
  abuse reports must stay secret for decades), KDF HKDF-SHA256, AEAD ChaCha20-Poly1305, with the
  same context as HPKE `info`.
Every sealed record carries SUITE and FORMAT_VERSION: the hybrid KEM is still an Internet-Draft,
and a later change of wire format must not strand old cases.

Secrets people type (receipts, passphrases) are hashed with Argon2id (RFC 9106) in a worker thread
under a semaphore so that a burst of guesses cannot exhaust memory or stall the event loop.
Receipts use OWASP's minimum parameters (19 MiB, 2 passes, 1 lane): every /status check spends
one. Staff passphrases, hashed only at enrolment and unlock, use STAFF_COST (64 MiB, 3 passes:
about 5 times the work for whoever guesses at a stolen locked key).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from cryptography.exceptions import InvalidKey, InvalidTag
from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from bot.clock import RandomSource
from bot.contexts import ENTRY_INFO_PREFIX, reader_key_context

SUITE: Final = "MLKEM768X25519-HKDFSHA256-CHACHA20POLY1305"
FORMAT_VERSION: Final = 1
_HPKE = hpke.Suite(hpke.KEM.MLKEM768_X25519, hpke.KDF.HKDF_SHA256, hpke.AEAD.CHACHA20_POLY1305)
_MLKEM_SEED_BYTES: Final = 64
_MLKEM_PUBLIC_BYTES: Final = 1184
_X25519_BYTES: Final = 32

# OWASP's minimum for Argon2id: m=19 MiB, t=2, p=1.
ARGON2_MEMORY_KIB: Final = 19 * 1024
ARGON2_ITERATIONS: Final = 2
ARGON2_LANES: Final = 1


@dataclass(frozen=True)
class Argon2Cost:
    memory_kib: int
    iterations: int
    lanes: int


RECEIPT_COST: Final = Argon2Cost(ARGON2_MEMORY_KIB, ARGON2_ITERATIONS, ARGON2_LANES)
# Staff keys: RFC 9106's second recommended option less its lanes (one lane, one core each).
# 64 MiB x 3 passes is ~5x the receipts' 19 MiB x 2, and the memory is what costs a GPU.
STAFF_COST: Final = Argon2Cost(64 * 1024, 3, 1)


class SealedEntryError(Exception):
    """Sealed content did not open: wrong key, altered bytes, or another entry's context."""


@dataclass(frozen=True)
class ReaderKeyPair:
    """A reader's HPKE key pair as bytes: ML-KEM-768 seed + X25519 scalar, and their publics."""

    private_key: bytes
    public_key: bytes


@dataclass(frozen=True)
class SealedEntry:
    suite: str
    version: int
    nonce: bytes
    ciphertext: bytes
    wrapped_keys: dict[int, bytes]


def generate_reader_keys() -> ReaderKeyPair:
    """A new MLKEM768-X25519 key pair (cryptography draws from the OS's CSPRNG)."""
    pq = mlkem.MLKEM768PrivateKey.generate()
    classic = x25519.X25519PrivateKey.generate()
    return ReaderKeyPair(
        private_key=pq.private_bytes_raw() + classic.private_bytes_raw(),
        public_key=pq.public_key().public_bytes_raw() + classic.public_key().public_bytes_raw(),
    )


def _public(public_key: bytes) -> hpke.MLKEM768X25519PublicKey:
    if len(public_key) != _MLKEM_PUBLIC_BYTES + _X25519_BYTES:
        raise ValueError("not an MLKEM768-X25519 public key")
    return hpke.MLKEM768X25519PublicKey(
        mlkem.MLKEM768PublicKey.from_public_bytes(public_key[:_MLKEM_PUBLIC_BYTES]),
        x25519.X25519PublicKey.from_public_bytes(public_key[_MLKEM_PUBLIC_BYTES:]),
    )


def _private(private_key: bytes) -> hpke.MLKEM768X25519PrivateKey:
    if len(private_key) != _MLKEM_SEED_BYTES + _X25519_BYTES:
        raise ValueError("not an MLKEM768-X25519 private key")
    return hpke.MLKEM768X25519PrivateKey(
        mlkem.MLKEM768PrivateKey.from_seed_bytes(private_key[:_MLKEM_SEED_BYTES]),
        x25519.X25519PrivateKey.from_private_bytes(private_key[_MLKEM_SEED_BYTES:]),
    )


def seal_entry(
    plaintext: bytes, readers: Mapping[int, bytes], context: bytes, random: RandomSource
) -> SealedEntry:
    """Encrypt plaintext so that only the given readers (id -> public key) can open it."""
    if not readers:
        raise ValueError("an entry sealed for nobody could never be read")
    data_key = random.token_bytes(32)
    nonce = random.token_bytes(12)
    ciphertext = ChaCha20Poly1305(data_key).encrypt(nonce, plaintext, context)
    info = ENTRY_INFO_PREFIX + context
    wrapped = {
        reader_id: _HPKE.encrypt(data_key, _public(public_key), info=info)
        for reader_id, public_key in readers.items()
    }
    return SealedEntry(SUITE, FORMAT_VERSION, nonce, ciphertext, wrapped)


def open_entry(
    *,
    suite: str,
    version: int,
    nonce: bytes,
    ciphertext: bytes,
    wrapped_key: bytes,
    private_key: bytes,
    context: bytes,
) -> bytes:
    """Unwrap the data key with the reader's private key, then decrypt the content."""
    if suite != SUITE or version != FORMAT_VERSION:
        raise SealedEntryError(f"unknown sealing {suite} v{version}")
    try:
        data_key = _HPKE.decrypt(
            wrapped_key, _private(private_key), info=ENTRY_INFO_PREFIX + context
        )
        return ChaCha20Poly1305(data_key).decrypt(nonce, ciphertext, context)
    except (InvalidTag, ValueError) as exc:
        raise SealedEntryError("this key or context does not open the entry") from exc


class SecretHasher:
    """Argon2id for typed secrets (receipts, passphrases), off the event loop and bounded."""

    def __init__(self, random: RandomSource, concurrency: int = 2) -> None:
        self._random = random
        # Each hash takes 19 MiB (64 for a staff key); this bounds memory and keeps a core free
        # for the bot.
        self._slots = asyncio.Semaphore(concurrency)

    def _kdf(self, salt: bytes, length: int = 32, cost: Argon2Cost = RECEIPT_COST) -> Argon2id:
        return Argon2id(
            salt=salt,
            length=length,
            iterations=cost.iterations,
            lanes=cost.lanes,
            memory_cost=cost.memory_kib,
        )

    async def hash(self, secret: str) -> str:
        """A PHC string ($argon2id$v=19$m=...,t=...,p=...$salt$hash) for storage."""
        kdf = self._kdf(self._random.token_bytes(16))
        async with self._slots:
            return await asyncio.to_thread(kdf.derive_phc_encoded, secret.encode())

    async def verify(self, secret: str, encoded: str) -> bool:
        async with self._slots:
            try:
                await asyncio.to_thread(Argon2id.verify_phc_encoded, secret.encode(), encoded)
            except InvalidKey:
                return False
        return True

    async def derive_key(
        self, secret: str, salt: bytes, length: int = 32, cost: Argon2Cost = RECEIPT_COST
    ) -> bytes:
        """A key from a passphrase (256 bits: to encrypt a reader's private key at rest); longer
        to split into several keys from one hash."""
        kdf = self._kdf(salt, length, cost)
        async with self._slots:
            return await asyncio.to_thread(kdf.derive, secret.encode())


# A reader's private key at rest: ChaCha20-Poly1305 under Argon2id(passphrase, salt). The first
# byte says which Argon2id cost made that key, so raising the cost never strands a stored key:
# 1 for RECEIPT_COST (every reporter key, and staff enrolled before STAFF_COST), 2 for STAFF_COST.
_KEY_AT_REST: Final = {b"\x01": RECEIPT_COST, b"\x02": STAFF_COST}


def lock_private_key(
    private_key: bytes,
    passphrase_key: bytes,
    reader_id: int | str,
    random: RandomSource,
    cost: Argon2Cost = RECEIPT_COST,
) -> bytes:
    """Encrypt a private key under a key derived from a passphrase with `cost`; `reader_id`
    names whose key it is (a staff member's id, or a case's reporter), so one cannot stand in
    for another."""
    (marker,) = (byte for byte, known in _KEY_AT_REST.items() if known == cost)
    nonce = random.token_bytes(12)
    sealed = ChaCha20Poly1305(passphrase_key).encrypt(
        nonce, private_key, reader_key_context(reader_id)
    )
    return marker + nonce + sealed


def locked_key_cost(locked: bytes) -> Argon2Cost:
    """The Argon2id cost the key that opens `locked` must be derived with."""
    cost = _KEY_AT_REST.get(locked[:1])
    if cost is None:
        raise SealedEntryError("unknown key format")
    return cost


def unlock_private_key(locked: bytes, passphrase_key: bytes, reader_id: int | str) -> bytes:
    locked_key_cost(locked)  # a format this code knows, or SealedEntryError
    try:
        return ChaCha20Poly1305(passphrase_key).decrypt(
            locked[1:13], locked[13:], reader_key_context(reader_id)
        )
    except InvalidTag as exc:
        raise SealedEntryError("wrong passphrase") from exc

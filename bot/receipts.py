"""Receipts: the code and secret word a reporter keeps, and the limits on guessing them.

A receipt secret is the only way back into a case: it unlocks the reporter's own key (so they
can read what the safe person wrote back) and is checked against a value stored with the case.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from bot.clock import RandomSource
from bot.crypto import SecretHasher

# No 0/O, 1/I/L: a child copies these from a screen onto paper and back.
_ALPHABET: Final = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH: Final = 6
RECEIPT_LENGTH: Final = 8

# Wrong receipts: per person, and per case (whoever guesses).
PERSON_GUESSES: Final = 5
PERSON_WINDOW: Final = timedelta(minutes=15)
# Per case, a rate and never a lock-out: a known code must not let strangers keep its reporter
# out. At most CASE_GUESSES wrong checks per minute across every account, so the reporter waits
# at most a minute; to keep the case busy minute after minute an attacker needs
# CASE_GUESSES * 15 / PERSON_GUESSES = 90 accounts, and still guesses far too slowly to find an
# 8-letter secret (SECURITY.md works out the numbers).
CASE_GUESSES: Final = 30
CASE_WINDOW: Final = timedelta(minutes=1)

# How a receipt check is stored: this prefix, then the check in hex. Older cases hold an
# Argon2id PHC string ($argon2id$...) of the receipt secret instead.
_RECEIPT_CHECK_V2: Final = "receipt-check-v2$"


@dataclass(frozen=True)
class ReceiptKeys:
    """Both keys a receipt secret opens, from one Argon2id hash of it (64 bytes, split): the
    key that locks the reporter's private key, and a check value stored to verify the secret.

    A report used to cost two Argon2id hashes (a PHC hash to check the secret, and the key with
    its own salt): under a burst of reports they were the longest queue. Splitting one output
    gives two independent keys at the cost of one; knowing the check tells nothing of the lock.
    """

    lock: bytes
    check: bytes

    def stored_check(self) -> str:
        return _RECEIPT_CHECK_V2 + self.check.hex()

    def matches(self, stored: str) -> bool:
        if not stored.startswith(_RECEIPT_CHECK_V2):
            return False
        try:
            expected = bytes.fromhex(stored.removeprefix(_RECEIPT_CHECK_V2))
        except ValueError:
            return False
        return hmac.compare_digest(expected, self.check)


async def derive_receipt_keys(hasher: SecretHasher, secret: str, salt: bytes) -> ReceiptKeys:
    derived = await hasher.derive_key(secret, salt, length=64)
    return ReceiptKeys(lock=derived[:32], check=derived[32:])


def receipt_token(random: RandomSource, length: int) -> str:
    """`length` letters of the alphabet, each as likely as any other: a byte is used only below
    the largest multiple of the alphabet's size (248 for 31), so `byte % 31` favours none."""
    usable = 256 - 256 % len(_ALPHABET)
    letters: list[str] = []
    while len(letters) < length:
        letters.extend(
            _ALPHABET[b % len(_ALPHABET)] for b in random.token_bytes(length) if b < usable
        )
    return "".join(letters[:length])


def normalise(typed: str) -> str:
    """What a person typed, as the code it is meant to be: case, spaces and dashes forgiven."""
    return "".join(ch for ch in typed.upper() if ch.isalnum())

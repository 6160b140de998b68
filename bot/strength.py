"""How many guesses a passphrase would take, estimated the way an attacker would guess.

A small, deliberately pessimistic cousin of zxcvbn: the passphrase is cut into pieces, each
piece is priced by the cheapest way an attacker could produce it, and the prices add up (in
bits, log2 of guesses). Pieces:
- a well-known password or word from COMMON (after undoing l33t: p@ssw0rd is password);
- a keyboard run (qwerty, asdf, 7890, backwards too) or an alphabet/digit sequence (abcd, 4321);
- one character repeated (aaaa), or a whole chunk repeated (121212, catcat);
- a year (1900-2099);
- otherwise a run of letters, digits or symbols. A run of letters is priced as a dictionary
  word, assuming every word is among the ~8,000 an attacker tries first, so "lantern" costs 13
  bits, not 7 x 4.7, and a longer run one such word per 8 letters: this under-rates random
  letters and words run together, but does not over-rate real words.
Separators between words cost only for the first kind used (a space is what everyone types).
The estimate errs low on purpose: it refuses some good passphrases rather than accept bad ones.
"""

from __future__ import annotations

import math
import re
from typing import Final

# Bits for a word an attacker tries early: 2^13 ≈ 8,000 common words, per word.
WORD_BITS: Final = 13.0
# A word from COMMON: among the first few hundred any cracking list tries.
COMMON_BITS: Final = 8.0
LETTER_BITS: Final = math.log2(26)
DIGIT_BITS: Final = math.log2(10)
SYMBOL_BITS: Final = math.log2(33)

COMMON: Final = frozenset(
    {
        "password",
        "passwort",
        "parola",
        "fjalekalim",
        "qwerty",
        "azerty",
        "qwertz",
        "letmein",
        "welcome",
        "admin",
        "administrator",
        "login",
        "master",
        "secret",
        "iloveyou",
        "love",
        "monkey",
        "dragon",
        "football",
        "baseball",
        "soccer",
        "sunshine",
        "princess",
        "shadow",
        "superman",
        "batman",
        "trustno1",
        "whatever",
        "freedom",
        "starwars",
        "hello",
        "test",
        "guest",
        "user",
        "root",
        "changeme",
        "default",
        "safeperson",
        "safe",
        "person",
        "child",
        "children",
        "telegram",
        "google",
        "facebook",
        "internet",
        "computer",
        "summer",
        "winter",
        "spring",
        "autumn",
    }
)
# Longest first, so "administrator" is found before "admin".
_COMMON_LONGEST_FIRST: Final = tuple(sorted(COMMON, key=len, reverse=True))
_ROWS: Final = (
    "`1234567890-=",
    "qwertyuiop[]\\",
    "asdfghjkl;'",
    "zxcvbnm,./",
    "qwertzuiop",
    "yxcvbnm",
)
_SEQUENCES: Final = ("abcdefghijklmnopqrstuvwxyz", "0123456789")
_LEET: Final = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)
_YEAR: Final = re.compile(r"(19|20)\d\d")


def _run_length(text: str, start: int, alphabet: str) -> int:
    """How far from `start` the text walks along `alphabet` one step at a time, either way."""
    best = 1
    for line in (alphabet, alphabet[::-1]):
        length = 1
        while start + length < len(text):
            here = line.find(text[start + length - 1])
            if here == -1 or here + 1 >= len(line) or line[here + 1] != text[start + length]:
                break
            length += 1
        best = max(best, length)
    return best


def _class_of(char: str) -> str:
    if char.isalpha():
        return "letter"
    if char.isdigit():
        return "digit"
    return "symbol"


def _plain_run_bits(run: str) -> float:
    kind = _class_of(run[0])
    if kind == "letter":
        # Capitals: one bit for a capital first letter or all capitals, one per other capital.
        capitals = sum(c.isupper() for c in run)
        case_bits = 0.0
        if capitals:
            ordinary = (run[0].isupper() and capitals == 1) or capitals == len(run)
            case_bits = 1.0 if ordinary else float(min(capitals, len(run) - capitals))
        # Up to 8 letters is one word (most words are shorter), every 8 more maybe another;
        # short runs are cheaper as brute force.
        words = math.ceil(len(run) / 8)
        return min(len(run) * LETTER_BITS, words * WORD_BITS) + case_bits
    if kind == "digit":
        return len(run) * DIGIT_BITS
    return len(run) * SYMBOL_BITS


def _piece_at(text: str, start: int) -> tuple[int, float]:
    """The cheapest piece starting at `start`: its length and its price in bits."""
    lowered = text.lower()
    rest = lowered[start:]
    # A common word, also written in l33t.
    unleeted = rest.translate(_LEET)
    for word in _COMMON_LONGEST_FIRST:
        if unleeted.startswith(word):
            return len(word), COMMON_BITS + (1.0 if rest[: len(word)] != word else 0.0)
    # One character repeated.
    same = len(rest) - len(rest.lstrip(rest[0]))
    if same >= 3:
        return same, math.log2(95) + math.log2(same)
    # Keyboard runs and sequences, either direction.
    walk = max(_run_length(lowered, start, line) for line in _ROWS + _SEQUENCES)
    if walk >= 3:
        return walk, math.log2(100) + math.log2(walk)
    if _YEAR.match(rest):
        return 4, math.log2(200)
    # A plain run of one class (letters, digits or symbols), priced as a whole.
    kind = _class_of(text[start])
    end = start + 1
    while end < len(text) and _class_of(text[end]) == kind:
        # Stop where a cheaper piece begins, so "lantern1234" prices 1234 as a sequence.
        if kind != "letter" and _run_length(lowered, end, _SEQUENCES[1]) >= 3:
            break
        end += 1
    return end - start, _plain_run_bits(text[start:end])


def _repeated_chunk(text: str) -> tuple[str, int] | None:
    """("12", 6) for "121212121212": the whole text is one chunk said again and again."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return text[:size], len(text) // size
    return None


def estimate_bits(passphrase: str) -> float:
    """log2 of the guesses an informed attacker would need (an estimate that errs low)."""
    if not passphrase:
        return 0.0
    repeated = _repeated_chunk(passphrase)
    if repeated is not None:
        chunk, times = repeated
        return estimate_bits(chunk) + math.log2(times)
    bits = 0.0
    separators: set[str] = set()
    start = 0
    while start < len(passphrase):
        length, price = _piece_at(passphrase, start)
        piece = passphrase[start : start + length]
        if piece.isspace() or (len(piece) == 1 and _class_of(piece) == "symbol"):
            # The same separator between every word adds nothing after its first use.
            price = 0.0 if piece in separators else SYMBOL_BITS
            separators.add(piece)
        bits += price
        start += length
    return bits

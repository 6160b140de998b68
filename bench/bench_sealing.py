"""What sealing a report costs: HPKE wrapping per reader, content encryption, Argon2id.

Prints figures; asserts nothing. Run: .venv/bin/python bench/bench_sealing.py
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections.abc import Callable

from bot.clock import SystemRandom
from bot.crypto import SecretHasher, generate_reader_keys, open_entry, seal_entry


def timed(action: Callable[[], object], repeats: int) -> list[float]:
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def report(name: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    print(f"{name}: median {statistics.median(samples):.2f} ms, p95 {p95:.2f} ms")


def main() -> None:
    random = SystemRandom()
    readers = {i: generate_reader_keys() for i in range(5)}
    public = {i: pair.public_key for i, pair in readers.items()}
    report("generate one reader key pair", timed(generate_reader_keys, 50))
    text = os.urandom(2_000)
    voice = os.urandom(1_000_000)
    report(
        "seal a 2 kB report for 5 readers",
        timed(lambda: seal_entry(text, public, b"c", random), 100),
    )
    report(
        "seal a 1 MB voice note for 5 readers",
        timed(lambda: seal_entry(voice, public, b"c", random), 20),
    )
    sealed = seal_entry(text, public, b"c", random)

    def open_once() -> bytes:
        return open_entry(
            suite=sealed.suite,
            version=sealed.version,
            nonce=sealed.nonce,
            ciphertext=sealed.ciphertext,
            wrapped_key=sealed.wrapped_keys[0],
            private_key=readers[0].private_key,
            context=b"c",
        )

    report("open a 2 kB report as one reader", timed(open_once, 100))
    print(f"size of one wrapped key: {len(sealed.wrapped_keys[0])} bytes")

    async def hashing() -> None:
        hasher = SecretHasher(random)
        started = time.perf_counter()
        await asyncio.gather(*(hasher.hash("K7P4Q9XM") for _ in range(10)))
        took = time.perf_counter() - started
        print(
            f"Argon2id (19 MiB, t=2): 10 hashes, 2 at a time: {took * 1000:.0f} ms in all, "
            f"{took * 100:.0f} ms each on average"
        )

    asyncio.run(hashing())


if __name__ == "__main__":
    main()

"""Fault injection: make chosen Bot API calls fail, vanish or stall, on purpose."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import random

FaultKind = Literal["429", "500", "502", "drop", "slow"]
FAULT_KINDS: tuple[FaultKind, ...] = ("429", "500", "502", "drop", "slow")
ANY_METHOD = "*"


@dataclass
class Fault:
    fault_id: int
    method: str
    kind: FaultKind
    times: int | None
    probability: float
    retry_after: int
    delay: float
    # Only calls aimed at this chat (their `chat_id` parameter); None: every chat, or none.
    chat_id: int | None = None

    def matches(self, method: str, chat_id: int | None = None) -> bool:
        if self.chat_id is not None and self.chat_id != chat_id:
            return False
        return self.method == ANY_METHOD or self.method.lower() == method.lower()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.fault_id,
            "method": self.method,
            "kind": self.kind,
            "times": self.times,
            "probability": self.probability,
            "retry_after": self.retry_after,
            "delay": self.delay,
            "chat_id": self.chat_id,
        }


class FaultSpecError(ValueError):
    pass


class FaultInjector:
    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._faults: list[Fault] = []
        self._next_id = 1

    def add(self, spec: dict[str, Any]) -> Fault:
        method = spec.get("method")
        kind = next((known for known in FAULT_KINDS if known == str(spec.get("kind"))), None)
        if not isinstance(method, str) or not method:
            raise FaultSpecError('"method" must be a Bot API method name or "*"')
        if kind is None:
            raise FaultSpecError(f'"kind" must be one of {", ".join(FAULT_KINDS)}')
        times = spec.get("times")
        if times is not None and (not isinstance(times, int) or times < 1):
            raise FaultSpecError('"times" must be a positive integer')
        chat_id = spec.get("chat_id")
        if chat_id is not None and (isinstance(chat_id, bool) or not isinstance(chat_id, int)):
            raise FaultSpecError('"chat_id" must be an integer (a chat the call is aimed at)')
        probability = float(spec.get("probability", 1.0))
        if not 0.0 <= probability <= 1.0:
            raise FaultSpecError('"probability" must be between 0 and 1')
        fault = Fault(
            fault_id=self._next_id,
            method=method,
            kind=kind,
            times=times,
            probability=probability,
            retry_after=max(1, int(spec.get("retry_after", 5))),
            delay=max(0.0, float(spec.get("delay", 1.0))),
            chat_id=chat_id,
        )
        self._next_id += 1
        self._faults.append(fault)
        return fault

    def clear(self) -> None:
        self._faults.clear()

    def list(self) -> list[Fault]:
        return list(self._faults)

    def pick(self, method: str, chat_id: int | None = None) -> Fault | None:
        """The fault that strikes this call (to `chat_id`, if it names a chat), if any; each
        strike uses up one of its `times`."""
        for fault in self._faults:
            if not fault.matches(method, chat_id):
                continue
            if fault.probability < 1.0 and self._rng.random() >= fault.probability:
                continue
            if fault.times is not None:
                fault.times -= 1
                if fault.times == 0:
                    self._faults.remove(fault)
            return fault
        return None

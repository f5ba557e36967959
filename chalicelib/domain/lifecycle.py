"""Explicit transition tables for every lifecycle; an illegal move is a Conflict (409)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Generic, TypeVar

from chalicelib.domain.errors import Conflict

S = TypeVar("S", bound=StrEnum)


@dataclass(frozen=True)
class Lifecycle(Generic[S]):
    """`table[state][action] -> next state`; anything absent is illegal."""

    name: str
    table: Mapping[S, Mapping[str, S]]

    def next(self, state: S, action: str) -> S:
        target = self.table.get(state, {}).get(action)
        if target is None:
            raise Conflict(f"cannot {action.replace('_', ' ')} a {self.name} that is {state.value}")
        return target

    def allows(self, state: S, action: str) -> bool:
        return action in self.table.get(state, {})

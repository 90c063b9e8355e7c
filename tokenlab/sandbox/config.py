"""Lifetimes and the clock: everything a test may want to shorten or move."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass


class Clock:
    """Wall-clock time plus an offset that tests can advance instead of sleeping."""

    def __init__(self, offset: float = 0.0) -> None:
        self._offset = offset
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._offset += seconds


@dataclass
class Settings:
    """Lifetimes in seconds. Mutable so a running sandbox can be tuned by a test."""

    access_token_ttl: int = 3600
    id_token_ttl: int = 300
    code_ttl: int = 60
    device_code_ttl: int = 300
    device_interval: int = 5
    refresh_token_ttl: int = 30 * 24 * 3600  # public clients get no refresh token
    session_ttl: int = 8 * 3600
    discovery_max_age: int = 3600
    database: str = "sandbox"
    auto_sign_in: bool = False  # headless demos: authorize signs the demo user in without a form

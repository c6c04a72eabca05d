"""A per-sender rate limit: at most `limit` messages in any `window` seconds, counted in this process.

With several instances behind a load balancer each counts its own share; nginx's limit_req
(deploy/nginx.conf) limits per address in front of them.
"""
from __future__ import annotations

import time
from collections import deque
from typing import Callable, Deque, Dict


class RateLimiter:
    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit, self.window, self.clock = limit, window, clock
        self._recent: Dict[str, Deque[float]] = {}

    def allow(self, sender: str) -> bool:
        """Count a message from `sender`; False when it is over the limit (and is not counted)."""
        now = self.clock()
        recent = self._recent.setdefault(sender, deque())
        while recent and recent[0] <= now - self.window:
            recent.popleft()
        if len(recent) >= self.limit:
            return False
        recent.append(now)
        if len(self._recent) > 10_000:
            self._forget_quiet_senders(now)
        return True

    def _forget_quiet_senders(self, now: float) -> None:
        for sender in [s for s, recent in self._recent.items() if not recent or recent[-1] <= now - self.window]:
            del self._recent[sender]

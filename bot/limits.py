"""Rate limits: sliding windows per sender and per address, used by the channels and the console."""
from __future__ import annotations

import time
from collections import OrderedDict, deque
from typing import Callable, Deque, Hashable


class RateLimiter:
    """At most `limit` events per key within `window` seconds (a sliding window), e.g. messages per sender.

    Kept per process; behind a load balancer nginx adds its per-IP limits (deploy/).
    """

    def __init__(self, limit: int, window: float = 60.0, clock: Callable[[], float] = time.monotonic,
                 max_keys: int = 100_000) -> None:
        self.limit, self.window, self.clock, self.max_keys = limit, window, clock, max_keys
        self._events: "OrderedDict[Hashable, Deque[float]]" = OrderedDict()

    def allow(self, key: Hashable) -> bool:
        now = self.clock()
        events = self._events.pop(key, None) or deque()
        while events and events[0] <= now - self.window:
            events.popleft()
        allowed = len(events) < self.limit
        if allowed:
            events.append(now)
        self._events[key] = events  # most recently used last
        if len(self._events) > self.max_keys:
            self._events.popitem(last=False)
        return allowed


class ChannelLimits:
    """Per-sender and per-IP limits of one channel, from the settings."""

    def __init__(self, per_sender: int, per_ip: int) -> None:
        self.senders = RateLimiter(per_sender)
        self.addresses = RateLimiter(per_ip)

    def allow(self, sender: Hashable, address: str = "") -> bool:
        """Both must allow; an empty address (unknown) counts only the sender."""
        return (not address or self.addresses.allow(address)) and self.senders.allow(sender)

"""Per-connection rate limiting (docs/socket.md §7).

Fixed 60-second windows that start at the first counted frame; separate counters for the
unidentified and identified budgets (Talo keys them by budget size, so identifying starts a fresh
count); exceeding a budget blocks the connection for 60 s, and every frame while blocked is
"exceeded" too. The state lives on the connection: a connection lives on one process.
"""

import time

from django.conf import settings


class RateLimiter:
    __slots__ = ("windows", "blocked_until", "warnings")

    def __init__(self):
        self.windows = {}  # budget -> [window start, count]
        self.blocked_until = 0.0
        self.warnings = 0

    def allow(self, identified, now=None):
        """Count one frame; False when it is over the limit (the caller then warns or closes)."""
        config = settings.TALO_SOCKET
        now = time.monotonic() if now is None else now
        if now < self.blocked_until:
            return False
        budget = config["RATE_LIMIT_IDENTIFIED"] if identified else config["RATE_LIMIT_UNIDENTIFIED"]
        window = self.windows.get(budget)
        if window is None or now - window[0] >= config["RATE_LIMIT_WINDOW"]:
            window = self.windows[budget] = [now, 0]
        window[1] += 1
        if window[1] > budget:
            self.blocked_until = now + config["RATE_LIMIT_BLOCK"]
            return False
        return True

    def warn(self):
        """One more exceeded frame: True while it only earns a warning (the first three)."""
        self.warnings += 1
        return self.warnings <= 3

    def heartbeat(self):
        if self.warnings > 0:
            self.warnings -= 1

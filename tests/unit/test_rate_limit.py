"""sockets.rate_limit.RateLimiter with an explicit clock (`now=`) and small budgets."""

import pytest

from sockets.rate_limit import RateLimiter


@pytest.fixture(autouse=True)
def small_budgets(settings):
    settings.TALO_SOCKET = {
        **settings.TALO_SOCKET,
        "RATE_LIMIT_UNIDENTIFIED": 3,
        "RATE_LIMIT_IDENTIFIED": 5,
        "RATE_LIMIT_WINDOW": 60,
        "RATE_LIMIT_BLOCK": 60,
    }


def allowed(limiter, count, identified, now):
    return [limiter.allow(identified, now=now) for _ in range(count)]


def test_the_budget_holds_for_one_window():
    limiter = RateLimiter()
    assert allowed(limiter, 3, False, now=100.0) == [True, True, True]
    assert limiter.allow(False, now=100.5) is False


def test_frames_spread_over_the_window_count_together():
    limiter = RateLimiter()
    assert limiter.allow(False, now=0.0) is True
    assert limiter.allow(False, now=30.0) is True
    assert limiter.allow(False, now=59.9) is True
    assert limiter.allow(False, now=59.99) is False


def test_a_new_window_starts_a_fresh_count():
    limiter = RateLimiter()
    assert allowed(limiter, 3, False, now=0.0) == [True, True, True]
    # The window starts at the first counted frame and lasts 60 s.
    assert allowed(limiter, 3, False, now=60.0) == [True, True, True]
    assert limiter.allow(False, now=61.0) is False


def test_identified_and_unidentified_budgets_are_counted_apart():
    limiter = RateLimiter()
    assert allowed(limiter, 3, False, now=0.0) == [True, True, True]
    # Identifying starts a fresh count with the bigger budget.
    assert allowed(limiter, 5, True, now=1.0) == [True, True, True, True, True]
    assert limiter.allow(True, now=2.0) is False


def test_the_identified_budget_is_its_own_size():
    limiter = RateLimiter()
    assert allowed(limiter, 6, True, now=0.0) == [True, True, True, True, True, False]


def test_exceeding_blocks_for_the_block_time_whatever_the_budget():
    limiter = RateLimiter()
    assert allowed(limiter, 4, False, now=10.0) == [True, True, True, False]
    assert limiter.blocked_until == 70.0
    # Blocked: every frame is over the limit, in a new window and after identifying too.
    assert limiter.allow(False, now=69.9) is False
    assert limiter.allow(True, now=69.9) is False
    assert limiter.allow(True, now=70.0) is True
    assert limiter.allow(False, now=70.0) is True


def test_frames_while_blocked_do_not_extend_the_block():
    limiter = RateLimiter()
    allowed(limiter, 4, False, now=0.0)
    for second in range(1, 60):
        assert limiter.allow(False, now=float(second)) is False
    assert limiter.blocked_until == 60.0
    assert limiter.allow(False, now=60.0) is True


def test_block_time_comes_from_settings(settings):
    settings.TALO_SOCKET = {**settings.TALO_SOCKET, "RATE_LIMIT_BLOCK": 5}
    limiter = RateLimiter()
    assert allowed(limiter, 4, False, now=0.0) == [True, True, True, False]
    assert limiter.allow(True, now=4.9) is False
    assert limiter.allow(True, now=5.0) is True


def test_three_warnings_then_none():
    limiter = RateLimiter()
    assert [limiter.warn() for _ in range(5)] == [True, True, True, False, False]
    assert limiter.warnings == 5


def test_a_heartbeat_takes_one_warning_back():
    limiter = RateLimiter()
    assert [limiter.warn() for _ in range(3)] == [True, True, True]
    limiter.heartbeat()
    assert limiter.warnings == 2
    assert limiter.warn() is True
    assert limiter.warn() is False


def test_heartbeats_never_go_below_zero():
    limiter = RateLimiter()
    limiter.heartbeat()
    limiter.heartbeat()
    assert limiter.warnings == 0
    assert limiter.warn() is True
    assert limiter.warnings == 1

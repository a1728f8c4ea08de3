"""Rate limits: a sliding window per sender and per address."""
from bot.limits import ChannelLimits, RateLimiter


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_a_sliding_window_per_key():
    clock = Clock()
    limiter = RateLimiter(3, window=60, clock=clock)
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b")  # another sender is not affected
    clock.now += 30
    assert not limiter.allow("a")
    clock.now += 31  # the first three are out of the window now
    assert limiter.allow("a")


def test_memory_stays_bounded():
    limiter = RateLimiter(1, max_keys=100)
    for sender in range(1000):
        limiter.allow(sender)
    assert len(limiter._events) == 100


def test_both_the_sender_and_the_address_must_allow():
    limits = ChannelLimits(per_sender=2, per_ip=3)
    assert limits.allow("s1", "10.0.0.1") and limits.allow("s1", "10.0.0.1")
    assert not limits.allow("s1", "10.0.0.1")  # the sender's limit
    assert not limits.allow("s2", "10.0.0.1")  # the address's limit (fourth request from it)
    assert limits.allow("s3", "")  # unknown address: only the sender counts

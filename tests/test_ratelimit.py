from bot.ratelimit import RateLimiter


def test_a_sender_over_the_limit_is_refused_until_the_window_passes():
    now = [0.0]
    limiter = RateLimiter(3, 60, clock=lambda: now[0])
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b")  # other visitors are not affected
    now[0] = 60.5
    assert limiter.allow("a")


def test_quiet_senders_are_forgotten():
    now = [0.0]
    limiter = RateLimiter(1, 10, clock=lambda: now[0])
    for i in range(10_001):
        limiter.allow(f"s{i}")
    now[0] = 11
    limiter.allow("new")
    limiter.allow("newer")
    assert len(limiter._recent) < 10

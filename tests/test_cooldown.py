import pytest

from bot.discord_app.cooldown import Cooldown, OnCooldown


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_question_over_the_limit_is_refused_with_the_time_to_wait():
    clock = FakeClock()
    cooldown = Cooldown(5, 30, clock=clock)
    for _ in range(5):
        cooldown.check("alice")
        clock.now += 1
    with pytest.raises(OnCooldown) as refused:
        cooldown.check("alice")
    assert refused.value.retry_after == pytest.approx(25.0)
    assert refused.value.seconds == 25


def test_the_window_slides():
    clock = FakeClock()
    cooldown = Cooldown(2, 10, clock=clock)
    cooldown.check(1)
    clock.now += 6
    cooldown.check(1)
    clock.now += 4  # the first question is now 10 s old
    cooldown.check(1)
    with pytest.raises(OnCooldown):
        cooldown.check(1)


def test_a_refused_question_does_not_count():
    clock = FakeClock()
    cooldown = Cooldown(1, 10, clock=clock)
    cooldown.check(1)
    for _ in range(3):
        with pytest.raises(OnCooldown):
            cooldown.check(1)
    clock.now += 10
    cooldown.check(1)


def test_users_are_counted_apart():
    cooldown = Cooldown(1, 30, clock=FakeClock())
    cooldown.check("alice")
    cooldown.check("bob")
    with pytest.raises(OnCooldown):
        cooldown.check("alice")


def test_a_zero_second_window_never_limits():
    cooldown = Cooldown(1, 0, clock=FakeClock())
    for _ in range(100):
        cooldown.check("alice")


@pytest.mark.parametrize(("retry_after", "seconds"), [(0.01, 1), (1.0, 1), (1.2, 2), (29.9, 30)])
def test_the_wait_is_told_in_whole_seconds_never_zero(retry_after, seconds):
    assert OnCooldown(retry_after).seconds == seconds

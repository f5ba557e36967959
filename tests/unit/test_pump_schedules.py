"""The local pump runs the scheduled jobs (task expiry) at its start, then once per period."""

from __future__ import annotations

from collections.abc import Callable

from scripts import pump


def test_a_scheduled_job_runs_at_start_then_once_per_period_and_a_failure_waits_for_the_next() -> None:
    runs: list[float] = []

    def job() -> str:
        runs.append(clock)
        if len(runs) == 2:
            raise RuntimeError("moto hiccup")
        return "ok"

    due: dict[Callable[[], str], float] = {}
    for clock in (100.0, 101.0, 3699.0, 3700.0, 3701.0, 7300.0):
        pump.run_schedules(due, clock, {job: 3600})
    assert runs == [100.0, 3700.0, 7300.0]
    assert {pump.on_expiry_tick: 3600} == pump.SCHEDULES  # `make run` expires tasks hourly

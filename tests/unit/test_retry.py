"""RetryPolicy: which errors are retried, how often, and how long it waits (blocking and async)."""

from __future__ import annotations

import asyncio
import random
import threading
import time
from unittest import mock

import pytest

from airflow_provider_dataworks import exceptions as exc
from airflow_provider_dataworks.hooks.retry import MAX_RETRY_AFTER_SECONDS, RetryPolicy, is_retryable


def transient(retry_after: float | None = None) -> exc.DataWorksTransientError:
    return exc.DataWorksThrottlingError("slow down", action="GetWorkflowInstance", retry_after=retry_after)


class Flaky:
    """A call that raises the given errors in turn, then returns 'ok'."""

    def __init__(self, *errors: BaseException) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def run_blocking(policy: RetryPolicy, call: Flaky) -> str:
    for attempt in policy.retrying():
        with attempt:
            result = call()
    return result


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the blocking retry loop's sleeps instead of sleeping (other threads keep sleeping for real)."""
    recorded: list[float] = []
    real_sleep = time.sleep
    test_thread = threading.get_ident()

    def fake_sleep(seconds: float) -> None:
        if threading.get_ident() == test_thread:
            recorded.append(seconds)
        else:
            real_sleep(seconds)

    monkeypatch.setattr(time, "sleep", fake_sleep)
    return recorded


def test_is_retryable() -> None:
    assert is_retryable(exc.DataWorksTransientError("x", action="A"))
    assert is_retryable(exc.DataWorksTransportError("x", action="A"))
    assert is_retryable(exc.DataWorksThrottlingError("x", action="A"))
    assert not is_retryable(exc.DataWorksAuthError("x", action="A"))
    assert not is_retryable(exc.DataWorksQuotaExceededError("x", action="A"))
    assert not is_retryable(exc.DataWorksInstanceNotFoundError("x", action="A"))
    assert not is_retryable(exc.DataWorksConfigError("x"))
    assert not is_retryable(ConnectionError("not translated"))


def test_transient_errors_are_retried_until_success(sleeps: list[float]) -> None:
    call = Flaky(transient(), exc.DataWorksTransportError("dropped", action="A"))
    assert run_blocking(RetryPolicy(retry_limit=5, retry_delay=0.5), call) == "ok"
    assert call.calls == 3
    assert len(sleeps) == 2


@pytest.mark.parametrize(
    "error",
    [
        exc.DataWorksAuthError("denied", action="A", code="Forbidden.RAM"),
        exc.DataWorksQuotaExceededError("quota", action="A", code="Throttling.Resource"),
        exc.DataWorksInvalidRequestError("bad", action="A"),
        ValueError("a bug"),
    ],
)
def test_permanent_errors_are_raised_at_once(sleeps: list[float], error: Exception) -> None:
    call = Flaky(error)
    with pytest.raises(type(error)) as raised:
        run_blocking(RetryPolicy(retry_limit=5), call)
    assert raised.value is error
    assert call.calls == 1
    assert sleeps == []


@pytest.mark.parametrize("retry_limit", [0, 1, 3])
def test_stops_after_retry_limit_plus_one_attempts_and_reraises_the_last_error(
    sleeps: list[float], retry_limit: int
) -> None:
    errors = [transient() for _ in range(retry_limit + 2)]
    call = Flaky(*errors)
    with pytest.raises(exc.DataWorksThrottlingError) as raised:
        run_blocking(RetryPolicy(retry_limit=retry_limit, retry_delay=0.1), call)
    assert call.calls == retry_limit + 1
    assert raised.value is errors[retry_limit]
    assert len(sleeps) == retry_limit


def test_wait_equals_retry_after(sleeps: list[float]) -> None:
    call = Flaky(transient(retry_after=7.0), transient(retry_after=0.25))
    run_blocking(RetryPolicy(retry_limit=5, retry_delay=30.0), call)
    assert sleeps == [7.0, 0.25]


def test_retry_after_is_capped(sleeps: list[float]) -> None:
    run_blocking(RetryPolicy(retry_limit=1), Flaky(transient(retry_after=3600.0)))
    assert sleeps == [MAX_RETRY_AFTER_SECONDS] == [120.0]


def test_backoff_ceiling_grows_exponentially_up_to_max_delay(
    sleeps: list[float], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Full jitter: each wait is random in [0, ceiling]; pin the draw to the ceiling to see the ceilings.
    monkeypatch.setattr(random, "uniform", lambda low, high: high)
    policy = RetryPolicy(retry_limit=6, retry_delay=1.0, max_delay=5.0)
    with pytest.raises(exc.DataWorksThrottlingError):
        run_blocking(policy, Flaky(*[transient() for _ in range(7)]))
    assert sleeps == [1.0, 2.0, 4.0, 5.0, 5.0, 5.0]


def test_backoff_draws_from_zero(sleeps: list[float], monkeypatch: pytest.MonkeyPatch) -> None:
    draws: list[tuple[float, float]] = []

    def lowest(low: float, high: float) -> float:
        draws.append((low, high))
        return low

    monkeypatch.setattr(random, "uniform", lowest)
    run_blocking(RetryPolicy(retry_limit=3, retry_delay=0.5, max_delay=60.0), Flaky(transient(), transient()))
    assert draws == [(0, 0.5), (0, 1.0)]
    assert sleeps == [0, 0]


def test_jitter_spreads_the_waits_within_the_ceiling(sleeps: list[float]) -> None:
    policy = RetryPolicy(retry_limit=1, retry_delay=10.0, max_delay=1000.0)
    for _ in range(20):
        run_blocking(policy, Flaky(transient()))
    assert len(sleeps) == 20
    assert len(set(sleeps)) > 1
    assert all(0.0 <= s <= 10.0 for s in sleeps)


def test_zero_delay_never_waits(sleeps: list[float]) -> None:
    run_blocking(RetryPolicy(retry_limit=3, retry_delay=0.0), Flaky(transient(), transient()))
    assert sleeps == [0.0, 0.0]


@pytest.mark.parametrize(
    ("kwargs", "field"), [({"retry_limit": -1}, "retry_limit"), ({"retry_delay": -0.5}, "retry_delay")]
)
def test_invalid_policy(kwargs: dict[str, float], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


async def test_async_retrying_awaits_asyncio_sleep_and_never_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    blocking_sleep = mock.Mock(side_effect=AssertionError("time.sleep called on the event loop"))
    monkeypatch.setattr(time, "sleep", blocking_sleep)
    async_sleep = mock.AsyncMock()
    monkeypatch.setattr(asyncio, "sleep", async_sleep)

    errors = [transient(retry_after=4.0), transient(retry_after=9.0)]
    calls = 0

    async def call() -> str:
        nonlocal calls
        calls += 1
        if errors:
            raise errors.pop(0)
        return "ok"

    async for attempt in RetryPolicy(retry_limit=5).async_retrying():
        with attempt:
            result = await call()

    assert result == "ok"
    assert calls == 3
    assert [c.args[0] for c in async_sleep.await_args_list] == [4.0, 9.0]
    blocking_sleep.assert_not_called()


async def test_async_retrying_gives_up_after_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    async_sleep = mock.AsyncMock()
    monkeypatch.setattr(asyncio, "sleep", async_sleep)
    calls = 0

    async def call() -> None:
        nonlocal calls
        calls += 1
        raise transient()

    with pytest.raises(exc.DataWorksThrottlingError):
        async for attempt in RetryPolicy(retry_limit=2, retry_delay=0.1).async_retrying():
            with attempt:
                await call()
    assert calls == 3
    assert async_sleep.await_count == 2


def test_no_retry_pauses_past_the_deadline() -> None:
    """A retry-after longer than the time left ends the retries at once instead of sleeping through the deadline."""
    calls: list[float] = []

    def throttled() -> None:
        calls.append(time.time())
        raise exc.DataWorksThrottlingError("slow down", action="GetWorkflowInstance", retry_after=100.0)

    policy = RetryPolicy(retry_limit=5, retry_delay=0.0)
    started = time.time()
    with pytest.raises(exc.DataWorksThrottlingError):
        for attempt in policy.retrying(deadline=started + 5.0):
            with attempt:
                throttled()
    assert len(calls) == 1
    assert time.time() - started < 1.0


def test_creation_retries_only_refusals() -> None:
    """A 5xx or a dropped connection may have started the run: only throttling (a refusal) is retried."""
    from airflow_provider_dataworks.hooks.retry import is_refused

    assert is_refused(exc.DataWorksThrottlingError("x", action="CreateWorkflowInstances"))
    assert not is_refused(exc.DataWorksTransportError("x", action="CreateWorkflowInstances"))

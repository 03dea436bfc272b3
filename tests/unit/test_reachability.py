"""A wait's record of DataWorks' answers, on a fake clock: a DataWorks never reached fails the wait within minutes,
naming the endpoint and the last error; an outage of a reached DataWorks is ridden out, logged once a minute."""

from __future__ import annotations

import logging
import pickle

import pytest

from airflow_provider_dataworks import exceptions as exc
from airflow_provider_dataworks.hooks.errors import is_no_answer
from airflow_provider_dataworks.utils.compat import AirflowException, AirflowFailException
from airflow_provider_dataworks.waits import reachability as module
from airflow_provider_dataworks.waits.reachability import Reachability

ENDPOINT = "https://dataworks.cn-shanghai.aliyuncs.com"
REFUSED = exc.DataWorksTransportError(
    "no response from DataWorks (connection failed, dropped or timed out): [Errno 111] Connection refused",
    action="GetWorkflowInstance",
    code="TransportError",
)
UNAVAILABLE = exc.DataWorksTransientError("Service unavailable", action="GetWorkflowInstance", status_code=503)
GATEWAY_PAGE = exc.DataWorksTransportError(
    "the response was not DataWorks JSON", action="GetWorkflowInstance", code="NonJsonResponse", status_code=502
)


class Clock:
    """A fake clock, moved on by the test."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


class Hook:
    """The one thing a `Reachability` asks its hook: where the calls go."""

    def endpoint_url(self) -> str:
        return ENDPOINT


@pytest.fixture
def clock() -> Clock:
    return Clock()


def tracker(clock: Clock, **kwargs: object) -> Reachability:
    return Reachability(Hook(), clock=clock, logger=logging.getLogger(module.__name__), **kwargs)  # type: ignore[arg-type]


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


def fail_every(reach: Reachability, clock: Clock, err: exc.DataWorksAPIError, *, every: float, until: float) -> None:
    """A failed poll every `every` s from now until `until` s from the tracker's start."""
    while clock.now - reach.started <= until:
        reach.failed(err)
        clock.now += every


@pytest.mark.parametrize(
    ("error", "no_answer"),
    [(REFUSED, True), (UNAVAILABLE, False), (GATEWAY_PAGE, False), (ValueError("not translated"), False)],
    ids=["refused", "503", "gateway-page", "other"],
)
def test_only_a_call_without_any_answer_counts_as_not_reaching_dataworks(error: Exception, no_answer: bool) -> None:
    assert is_no_answer(error) is no_answer


def test_never_reached_fails_once_the_limit_passes_naming_endpoint_and_last_error(clock: Clock) -> None:
    reach = tracker(clock)
    fail_every(reach, clock, REFUSED, every=30.0, until=150.0)  # 0 .. 150 s: still trying
    clock.now = reach.started + 180.0
    with pytest.raises(exc.DataWorksUnreachableError) as raised:
        reach.failed(REFUSED)
    err = raised.value
    assert str(err) == (
        f"DataWorks at {ENDPOINT} did not answer any call of this wait for 3 min (last error, GetWorkflowInstance: "
        "no response from DataWorks (connection failed, dropped or timed out): [Errno 111] Connection refused); "
        "check the connection's host, port, protocol, region_id and network, and that this machine can reach it."
    )
    assert (err.action, err.code, err.retryable) == ("GetWorkflowInstance", "Unreachable", False)


def test_the_unreachable_error_fails_the_try_and_crosses_a_deferral() -> None:
    err = exc.DataWorksUnreachableError("DataWorks at x did not answer.", action="GetWorkflowInstance", code="U")
    # the try fails; the task's retries still apply (a wrong endpoint and a cut network look the same)
    assert isinstance(err, exc.DataWorksEndpointError) and isinstance(err, AirflowException)
    assert not isinstance(err, AirflowFailException)
    for copy in (exc.error_from_dict(err.to_dict()), pickle.loads(pickle.dumps(err))):
        assert type(copy) is exc.DataWorksUnreachableError
        assert str(copy) == "DataWorks at x did not answer."


def test_never_reached_logs_its_first_failure_at_once_then_once_a_minute(
    clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=module.__name__)
    reach = tracker(clock)
    fail_every(reach, clock, REFUSED, every=10.0, until=170.0)  # 18 failed polls in 3 minutes
    assert len(warnings(caplog)) == 3  # at 0, 60 and 120 s
    assert warnings(caplog)[0] == (
        f"DataWorks has not answered this wait yet (last error: {REFUSED}); it fails if DataWorks has not answered "
        "within 3 min."
    )
    assert warnings(caplog)[2].startswith("DataWorks has not answered this wait yet for 2 min (last error: ")


def test_a_reached_dataworks_is_waited_for_through_an_outage_logged_once_a_minute(
    clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=module.__name__)
    reach = tracker(clock)
    reach.answered()
    fail_every(reach, clock, REFUSED, every=5.0, until=3600.0)  # an hour without an answer: never raises
    logged = warnings(caplog)
    assert len(logged) == 61  # at once, then every 60 s, not at each of the 721 polls
    assert logged[0] == f"DataWorks unreachable (last error: {REFUSED}); still waiting until the timeout."
    assert logged[3] == f"DataWorks unreachable for 3 min (last error: {REFUSED}); still waiting until the timeout."


def test_an_error_answer_counts_as_reaching_dataworks(clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=module.__name__)
    reach = tracker(clock)
    reach.failed(UNAVAILABLE)  # a 503 came from the endpoint: it is the right one
    assert reach.reached
    fail_every(reach, clock, REFUSED, every=30.0, until=600.0)
    assert warnings(caplog)[0] == f"DataWorks failing (last error: {UNAVAILABLE}); still waiting until the timeout."


def test_a_wait_answered_before_it_started_rides_outages_out(clock: Clock) -> None:
    reach = tracker(clock, reached=True)  # e.g. a trigger of the run operator, whose run DataWorks created
    fail_every(reach, clock, REFUSED, every=60.0, until=7200.0)


def test_an_answer_ends_the_outage_and_the_next_outage_is_logged_at_once(
    clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=module.__name__)
    reach = tracker(clock)
    reach.failed(REFUSED)
    clock.now += 90.0
    reach.answered()
    clock.now += 10.0
    reach.failed(REFUSED)
    messages = [r.getMessage() for r in caplog.records]
    assert messages[1] == "DataWorks answers again after 90 s."
    assert len(warnings(caplog)) == 2
    clock.now = reach.started + 3600.0  # reached: even an hour later, an outage never fails the wait
    reach.failed(REFUSED)


def test_an_answer_without_an_outage_logs_nothing(clock: Clock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger=module.__name__)
    reach = tracker(clock)
    reach.answered()
    reach.answered()
    assert caplog.records == []

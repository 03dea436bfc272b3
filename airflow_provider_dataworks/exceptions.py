"""The provider's exception family: cheap to import, so DAG files and sensors can catch them by name."""

from __future__ import annotations

from typing import Any, ClassVar, Self, TypeVar

from airflow_provider_dataworks.utils.compat import AirflowException, AirflowFailException

E = TypeVar("E", bound=Exception)


class DataWorksConfigError(AirflowFailException):
    """A connection or argument that can never work (bad data date, ambiguous instance, missing workspace).

    Raised before any network call where possible; an `AirflowFailException`, since retrying cannot fix it.
    """

    def to_dict(self) -> dict[str, Any]:
        """Plain values that `error_from_dict` turns back into the same error (a trigger event carries them)."""
        return {"error_class": type(self).__name__, "message": str(self)}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> DataWorksAPIError | DataWorksConfigError:
        """The error of the family that `to_dict()` described (see `error_from_dict`)."""
        return error_from_dict(values)


class DataWorksAPIError(AirflowException):
    """A DataWorks OpenAPI call failed; carries what support needs to find the call."""

    retryable: ClassVar[bool] = False

    def __init__(
        self,
        message: str,
        *,
        action: str,
        code: str | None = None,
        status_code: int | None = None,
        request_id: str | None = None,
        retry_after: float | None = None,
        hint: str | None = None,
    ) -> None:
        self.dataworks_message = message
        self.hint = hint
        self.action = action
        self.code = code
        self.status_code = status_code  # type: ignore[assignment]  # Airflow 3 declares an HTTPStatus default
        self.request_id = request_id
        self.retry_after = retry_after
        super().__init__(self._describe())

    def _describe(self) -> str:
        """The fix first (when one is known), then what DataWorks said, so nothing support needs is lost."""
        status = f"HTTP {self.status_code}" if self.status_code is not None else "HTTP status unknown"
        request = self.request_id or "none"
        raw = (
            f"DataWorks {self.action} failed: {self.code or 'no error code'} ({status}): "
            f"{self.dataworks_message} [RequestId: {request}]"
        )
        return f"{self.hint} ({raw})" if self.hint else raw

    def details(self) -> dict[str, Any]:
        """The keyword arguments that rebuild this error: where the call went and what DataWorks answered."""
        return {
            "action": self.action,
            "code": self.code,
            "status_code": self.status_code,
            "request_id": self.request_id,
            "hint": self.hint,
        }

    def to_dict(self) -> dict[str, Any]:
        """Plain values that `error_from_dict` turns back into the same error (a trigger event carries them)."""
        return {"error_class": type(self).__name__, "message": self.dataworks_message, **self.details()}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> DataWorksAPIError | DataWorksConfigError:
        """The error of the family that `to_dict()` described (see `error_from_dict`)."""
        return error_from_dict(values)

    def with_message(self, message: str) -> Self:
        """The same error (class, call, code, RequestId, hint) with DataWorks' message put in context."""
        return type(self)(message, **self.details(), retry_after=self.retry_after)

    def __reduce__(self) -> tuple[Any, ...]:
        kwargs = {**self.details(), "retry_after": self.retry_after}
        return (_rebuild_api_error, (type(self), self.dataworks_message, kwargs))


def _rebuild_api_error(cls: type[DataWorksAPIError], message: str, kwargs: dict[str, Any]) -> DataWorksAPIError:
    """Unpickle helper: exceptions with keyword-only arguments need it to cross process boundaries."""
    return cls(message, **kwargs)


class DataWorksTransientError(DataWorksAPIError):
    """A failure that may pass: 5xx, gateway pages, connection errors, timeouts."""

    retryable = True


class DataWorksThrottlingError(DataWorksTransientError):
    """Flow control (Throttling*, HTTP 429): retried after the advertised delay."""


class DataWorksTransportError(DataWorksTransientError):
    """No usable answer: connection refused or dropped, timeout, or a body that is not DataWorks JSON."""


class DataWorksEndpointError(DataWorksAPIError):
    """The endpoint cannot answer as configured (e.g. https to a plain-http server); retrying cannot help."""


class DataWorksUnreachableError(DataWorksEndpointError):
    """No call of a wait ever got an answer from the endpoint (refused, unresolved, timed out) for minutes.

    Ends the wait, not the task's `retries`: a wrong endpoint and a network cut that began before the wait look the
    same, and Airflow's retries are how long the user wants to keep trying.
    """

    def _describe(self) -> str:
        """The message is the whole sentence: the endpoint, for how long, the last error, what to check."""
        return self.dataworks_message


class DataWorksAuthError(DataWorksAPIError):
    """Credentials, signature or permission rejected; retrying cannot help."""


class DataWorksQuotaExceededError(DataWorksAPIError):
    """An edition quota or daily call limit is used up (Throttling.Resource, Throttling.Api.Risk)."""


class DataWorksInvalidRequestError(DataWorksAPIError):
    """DataWorks rejected the parameters of the call."""


class DataWorksInstanceNotFoundError(DataWorksInvalidRequestError):
    """The workflow or task instance asked for does not exist."""

    def given_as(self, argument: str, instance_id: int, where: str, fix: str) -> DataWorksInstanceIdNotFoundError:
        """This answer blamed on the task argument that gave the id: one sentence naming it, where DataWorks was
        asked and the fix, then DataWorks' own answer (action, code, HTTP status and RequestId kept)."""
        hint = f"{argument} {instance_id} does not exist in DataWorks ({where}): {fix}"
        return DataWorksInstanceIdNotFoundError(self.dataworks_message, **{**self.details(), "hint": hint})


class DataWorksInstanceIdNotFoundError(DataWorksInstanceNotFoundError, AirflowFailException):
    """An instance id a task was given does not exist in DataWorks: a wrong argument, which Airflow does not retry.

    An instance that a lookup found or a run created and that is gone stays a `DataWorksInstanceNotFoundError`:
    the task's retries may still find or start the right one.
    """


class DataWorksWorkflowInstanceFailed(AirflowException):
    """A workflow instance ended in Failure.

    Not an `AirflowFailException`: DataWorks reruns failed instances under the same id (auto-rerun, or by hand),
    so the task's `retries` may wait such a rerun out. Sensors turn it into a skip with `soft_fail`.
    """


class DataWorksTaskInstanceFailed(AirflowException):
    """A task (node) instance ended in Failure; like a failed workflow instance, the task's `retries` apply."""


class DataWorksDataQualityCheckFailed(AirflowException):
    """A data-quality scan run ended in Fail or Error (or Warn, with `fail_on_warn`).

    Not an `AirflowFailException`: the data may be fixed (or reloaded) upstream, and a retry scans it again.
    """


class DataWorksWorkflowCreateFailed(AirflowFailException):
    """CreateWorkflowInstances reported CreateFailure; the run never started."""


class DataWorksWaitTimeout(AirflowException):
    """The wait for DataWorks ran past the task's `timeout`; the run operator stops its instances first."""


class DataWorksStartInterrupted(AirflowException):
    """The task was killed while starting a run: nothing more is created or adopted after the kill."""


def _family(root: type[E]) -> dict[str, type[E]]:
    """`root` and all its subclasses, by class name."""
    found = {root.__name__: root}
    for sub in root.__subclasses__():
        found.update(_family(sub))
    return found


def error_from_dict(values: dict[str, Any]) -> DataWorksAPIError | DataWorksConfigError:
    """The error a `to_dict()` describes. An unknown class (not of the family) becomes a configuration error with
    its message, since nothing retryable can be told apart from it."""
    error_class = _family(DataWorksAPIError).get(str(values.get("error_class")))
    if error_class is not None and "action" in values:
        api_error: DataWorksAPIError = error_class(
            str(values.get("message")),
            action=values["action"],
            code=values.get("code"),
            status_code=values.get("status_code"),
            request_id=values.get("request_id"),
            hint=values.get("hint"),
        )
        return api_error
    config_class = _family(DataWorksConfigError).get(str(values.get("error_class")), DataWorksConfigError)
    config_error: DataWorksConfigError = config_class(str(values.get("message")))
    return config_error

"""Airflow 2.11 / 3.x import shims, so every other module imports Airflow names from one place (and asks version
dependent questions here too)."""

from __future__ import annotations

from typing import Any

try:
    from airflow.sdk import BaseHook
except ImportError:  # Airflow 2
    from airflow.hooks.base import BaseHook  # type: ignore[attr-defined,no-redef,unused-ignore]

try:
    from airflow.sdk import BaseOperator, BaseOperatorLink, BaseSensorOperator
except ImportError:  # Airflow 2
    from airflow.models import BaseOperator, BaseOperatorLink  # type: ignore[no-redef,assignment,unused-ignore]
    from airflow.sensors.base import BaseSensorOperator  # type: ignore[no-redef,assignment,unused-ignore]

try:
    from airflow.sdk.exceptions import (
        AirflowException,
        AirflowFailException,
        AirflowNotFoundException,
        AirflowRescheduleException,
        AirflowSkipException,
        TaskDeferralError,
        TaskDeferred,
    )
except ImportError:  # Airflow 2
    from airflow.exceptions import (  # type: ignore[assignment,no-redef,unused-ignore]
        AirflowException,
        AirflowFailException,
        AirflowNotFoundException,
        AirflowRescheduleException,
        AirflowSkipException,
        TaskDeferralError,
        TaskDeferred,
    )

try:
    from airflow.sdk.configuration import conf
except ImportError:  # Airflow 2
    from airflow.configuration import conf  # type: ignore[no-redef,unused-ignore]

__all__ = [
    "AirflowException",
    "AirflowFailException",
    "AirflowNotFoundException",
    "AirflowRescheduleException",
    "AirflowSkipException",
    "BaseHook",
    "BaseOperator",
    "BaseOperatorLink",
    "BaseSensorOperator",
    "TaskDeferralError",
    "TaskDeferred",
    "conf",
]

try:
    from airflow.sdk import PokeReturnValue
    from airflow.sdk.exceptions import AirflowSensorTimeout
except ImportError:  # Airflow 2
    from airflow.exceptions import AirflowSensorTimeout  # type: ignore[assignment,no-redef,unused-ignore]
    from airflow.sensors.base import PokeReturnValue  # type: ignore[no-redef,unused-ignore]

__all__ += ["AirflowSensorTimeout", "PokeReturnValue", "first_poke_of_try"]


def first_poke_of_try(context: Any) -> bool:
    """Whether a rescheduling sensor runs the first poke of its try, Airflow having recorded no reschedule of it."""
    if "task_reschedule_count" in context:  # Airflow 3 counts the reschedules of the try's task instance
        return not context["task_reschedule_count"]
    from airflow.models.taskreschedule import TaskReschedule  # Airflow 2 tasks read the metadata database
    from airflow.utils.session import create_session

    with create_session() as session:
        first = session.scalar(TaskReschedule.stmt_for_task_instance(context["ti"]).limit(1))
    return first is None

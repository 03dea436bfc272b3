"""Airflow 2.11 / 3.x import shims, so every other module imports Airflow names from one place."""

from __future__ import annotations

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

__all__ += ["AirflowSensorTimeout", "PokeReturnValue"]

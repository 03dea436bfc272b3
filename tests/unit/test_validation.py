"""Argument checks shared by the hook, sensors and operators, and the sensors' refusal of a timeout that can never
pass, at construction (DAG parse time), as the run operator refuses it."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any
from unittest import mock

import pytest

from airflow_provider_dataworks.exceptions import DataWorksConfigError
from airflow_provider_dataworks.hooks.dataworks import DataWorksHook
from airflow_provider_dataworks.operators.dataworks import DataWorksRunWorkflowOperator
from airflow_provider_dataworks.operators.trigger_node import DataWorksTriggerNodeOperator
from airflow_provider_dataworks.sensors.dataworks import DataWorksTaskInstanceSensor, DataWorksWorkflowInstanceSensor
from airflow_provider_dataworks.utils.compat import AirflowFailException
from airflow_provider_dataworks.utils.validation import positive_int, positive_seconds

# -- positive_seconds -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(1, 1.0), (0.5, 0.5), (600, 600.0), (timedelta(minutes=2), 120.0), (timedelta(milliseconds=1), 0.001)],
)
def test_positive_seconds_accepts_numbers_and_timedeltas(value: Any, seconds: float) -> None:
    assert positive_seconds("timeout", value) == seconds


@pytest.mark.parametrize(
    "value", [0, 0.0, -1, -0.5, timedelta(0), timedelta(seconds=-5), math.nan, math.inf, True, "60", None]
)
def test_positive_seconds_refuses_what_can_never_pass_naming_the_field_and_the_fix(value: Any) -> None:
    with pytest.raises(DataWorksConfigError) as raised:
        positive_seconds("timeout", value)
    assert str(raised.value) == f"timeout must be a positive number of seconds or a timedelta, not {value!r}."
    assert isinstance(raised.value, AirflowFailException)  # Airflow does not retry it


# -- positive_int -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [(7, 7), ("7", 7), (" 42 ", 42), (2**60, 2**60)])
def test_positive_int_accepts_ids_and_rendered_templates(value: Any, expected: int) -> None:
    assert positive_int("workflow_instance_id", value) == expected


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (None, "workflow_instance_id is empty"),
        ("  ", "workflow_instance_id is empty"),
        (0, "workflow_instance_id must be a positive integer id, not 0."),
        (-3, "must be a positive integer id, not -3."),
        (True, "must be a positive integer id, not True."),
        ("12a", "must be a positive integer id, not '12a'."),
        ("١٢", "must be a positive integer id"),  # digits, but not ASCII ones
        (1.5, "must be a positive integer id, not 1.5."),
    ],
)
def test_positive_int_refuses_naming_the_argument(value: Any, words: str) -> None:
    with pytest.raises(DataWorksConfigError, match="workflow_instance_id") as raised:
        positive_int("workflow_instance_id", value)
    assert words in str(raised.value)


def test_the_hook_module_no_longer_exports_the_check() -> None:
    from airflow_provider_dataworks.hooks import dataworks

    assert "positive_int" not in dataworks.__all__


# -- the sensors refuse a non-positive timeout when the DAG is parsed -------------------------------------

SENSORS = [
    pytest.param(DataWorksWorkflowInstanceSensor, {"workflow_instance_id": 7}, id="workflow-sensor"),
    pytest.param(DataWorksWorkflowInstanceSensor, {"workflow_id": 55}, id="workflow-sensor-lookup"),
    pytest.param(DataWorksTaskInstanceSensor, {"task_instance_id": 77}, id="node-sensor"),
    pytest.param(DataWorksTriggerNodeOperator, {"dataworks_task_id": 9001}, id="trigger-node"),
]


@pytest.mark.parametrize(("sensor_class", "arguments"), SENSORS)
@pytest.mark.parametrize("timeout", [0, 0.0, -1, timedelta(0), timedelta(seconds=-1)])
def test_a_sensor_refuses_a_timeout_that_can_never_pass(
    sensor_class: type, arguments: dict[str, Any], timeout: Any
) -> None:
    with (
        mock.patch.object(DataWorksHook, "get_connection") as get_connection,
        pytest.raises(DataWorksConfigError) as raised,
    ):
        sensor_class(task_id="gate", timeout=timeout, **arguments)
    assert str(raised.value) == f"timeout must be a positive number of seconds or a timedelta, not {timeout!r}."
    get_connection.assert_not_called()  # refused before anything looks at the connection


@pytest.mark.parametrize(("sensor_class", "arguments"), SENSORS)
def test_a_sensor_refuses_a_zero_timeout_from_default_args(sensor_class: type, arguments: dict[str, Any]) -> None:
    try:  # Airflow 3
        from airflow.sdk import DAG
    except ImportError:  # Airflow 2
        from airflow.models import DAG

    with (
        DAG("gates", schedule=None, start_date=datetime(2026, 1, 1), default_args={"timeout": 0}),
        pytest.raises(DataWorksConfigError, match=r"^timeout must be a positive number of seconds"),
    ):
        sensor_class(task_id="gate", **arguments)


@pytest.mark.parametrize(("sensor_class", "arguments"), SENSORS)
def test_a_sensor_keeps_a_valid_timeout(sensor_class: type, arguments: dict[str, Any]) -> None:
    assert sensor_class(task_id="gate", timeout=timedelta(minutes=5), **arguments).timeout == 300
    assert sensor_class(task_id="gate", timeout=90, **arguments).timeout == 90


def test_the_run_operator_refuses_the_same_way() -> None:
    with pytest.raises(DataWorksConfigError) as raised:
        DataWorksRunWorkflowOperator(task_id="run", workflow_id=1, timeout=0)
    assert str(raised.value) == "timeout must be a positive number of seconds or a timedelta, not 0."

"""Airflow names the tests use that moved between Airflow 2.11 and 3.x (the provider's own: `utils/compat.py`)."""

from __future__ import annotations

from airflow_harness import AIRFLOW_3

if AIRFLOW_3:
    from airflow.sdk import DAG, Connection
    from airflow.sdk.exceptions import AirflowSensorTimeout, AirflowSkipException, TaskDeferred
    from airflow.sdk.serde import deserialize, serialize

    #: what a poke-mode sensor sleeps through between pokes (patch target)
    SENSOR_SLEEP = "airflow.sdk.bases.sensor.time.sleep"
else:
    from airflow.exceptions import AirflowSensorTimeout, AirflowSkipException, TaskDeferred
    from airflow.models.connection import Connection
    from airflow.models.dag import DAG
    from airflow.serialization.serialized_objects import BaseSerialization

    serialize = BaseSerialization.serialize  # how Airflow 2 stores a trigger's kwargs
    deserialize = BaseSerialization.deserialize
    SENSOR_SLEEP = "airflow.sensors.base.time.sleep"

__all__ = [
    "DAG",
    "SENSOR_SLEEP",
    "AirflowSensorTimeout",
    "AirflowSkipException",
    "Connection",
    "TaskDeferred",
    "deserialize",
    "serialize",
]

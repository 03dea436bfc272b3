"""The console link reads the URL its task stored, quietly when there is none (Airflow 3 asks as every task ends)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from airflow_provider_dataworks.links.dataworks import CONSOLE_URL_XCOM_KEY, _stored_url

URL = "https://dataworks.data.aliyun.com/cn-hangzhou/ops?defaultProjectId=100&env=prod"


@dataclass
class Key:
    dag_id: str = "d"
    task_id: str = "t"
    run_id: str = "r"
    map_index: int = -1


class FakeXCom:
    """Airflow 3's XCom class as the link uses it: ``get_value`` is the read that logs an error on a missing XCom."""

    def __init__(self, values: dict[int, str]) -> None:
        self.values = values  # {map_index: url}
        self.single_reads: list[Any] = []

    def get_all(self, *, key: str, dag_id: str, task_id: str, run_id: str) -> list[str] | None:
        assert (key, dag_id, task_id, run_id) == (CONSOLE_URL_XCOM_KEY, "d", "t", "r")
        return [self.values[i] for i in sorted(self.values)] or None

    def get_value(self, *, ti_key: Key, key: str) -> str | None:
        self.single_reads.append(ti_key)
        return self.values.get(ti_key.map_index)


def test_no_url_stored_is_no_link_without_a_single_value_read() -> None:
    xcom = FakeXCom({})
    assert _stored_url(xcom, Key()) is None
    assert _stored_url(xcom, Key(map_index=3)) is None
    assert xcom.single_reads == []


def test_an_unmapped_task_s_url_comes_from_the_listing() -> None:
    xcom = FakeXCom({-1: URL})
    assert _stored_url(xcom, Key()) == URL
    assert xcom.single_reads == []


def test_a_mapped_task_reads_its_own_map_index() -> None:
    xcom = FakeXCom({0: URL + "&i=0", 2: URL + "&i=2"})
    assert _stored_url(xcom, Key(map_index=2)) == URL + "&i=2"
    assert _stored_url(xcom, Key(map_index=1)) is None


def test_an_xcom_class_without_a_listing_falls_back_to_the_single_read() -> None:
    class Older(FakeXCom):
        get_all = None  # type: ignore[assignment]

    xcom = Older({-1: URL})
    assert _stored_url(xcom, Key()) == URL
    assert len(xcom.single_reads) == 1

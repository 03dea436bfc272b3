"""DataWorks API calls as data: an `ApiRequest` names the action, its parameters, how to read the answer, whether
it pages and what may be retried; `Pages` is the one paginator; `api_method` turns one request builder into a
blocking hook method and its awaitable twin, so the two can never take different arguments.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, TypeVar, cast

from airflow_provider_dataworks.hooks.retry import is_retryable

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine

T = TypeVar("T")
P = ParamSpec("P")

#: Largest page the list APIs accept (ListTaskInstances allows 500, ListWorkflowInstances 100).
LIST_PAGE_SIZE = 100


def answer_body(body: dict[str, Any]) -> Any:
    """The whole answer body (the default reading of an answer)."""
    return body


@dataclass(frozen=True)
class ApiRequest(Generic[T]):
    """One DataWorks API call to make, with PascalCase parameters.

    :param read: turns the answer body into the result (unpaged actions).
    :param items_key: for list actions, the key of the items inside `paging_key`: every page is read and the
        result is the list of all items.
    :param paging_key: the answer's paging object (`PagingInfo`; the data-quality lists say `PageInfo`).
    :param retry_on: which errors may be retried: a lost answer to an action that acts (create, rerun, trigger)
        may have acted, so those retry only refusals.
    :param deadline: epoch seconds after which no retry or backoff starts.
    """

    action: str
    params: dict[str, Any]
    read: Callable[[dict[str, Any]], T] = field(default=answer_body)
    items_key: str | None = None
    paging_key: str = "PagingInfo"
    retry_on: Callable[[BaseException], bool] = is_retryable
    deadline: float | None = None


class Pages:
    """Follow PageNumber from 1 until TotalCount items (or an empty page) have been read."""

    def __init__(self, request: ApiRequest[Any], page_size: int = LIST_PAGE_SIZE) -> None:
        self.request = request
        self.page_size = page_size
        self.items: list[dict[str, Any]] = []
        self._page: int | None = 1

    def next_params(self) -> dict[str, Any] | None:
        """The parameters of the next page to read, or None once all are read."""
        if self._page is None:
            return None
        return {**self.request.params, "PageNumber": self._page, "PageSize": self.page_size}

    def add(self, body: dict[str, Any]) -> None:
        """Take one page's answer."""
        paging = body.get(self.request.paging_key) or {}
        batch = paging.get(self.request.items_key) or []
        self.items.extend(batch)
        done = not batch or len(self.items) >= int(paging.get("TotalCount") or 0)
        self._page = None if done else (self._page or 0) + 1


def api_method(
    build: Callable[Concatenate[Any, P], ApiRequest[T]],
) -> tuple[Callable[Concatenate[Any, P], T], Callable[Concatenate[Any, P], Coroutine[Any, Any, T]]]:
    """A blocking hook method (for workers) and its awaitable twin (for triggers) from one request builder:
    `_get_x` gives `get_x` and `aget_x`, with the builder's signature and docstring.

    The twin reads the connection and loads the SDK off the event loop before building the request (the builder
    may need the connection's defaults), then sends it through the provider's thread pool with awaited backoffs.
    """

    name = build.__name__.removeprefix("_")

    @functools.wraps(build)
    def blocking(hook: Any, *args: P.args, **kwargs: P.kwargs) -> T:
        return cast("T", hook.send(build(hook, *args, **kwargs)))

    @functools.wraps(build)
    async def awaitable(hook: Any, *args: P.args, **kwargs: P.kwargs) -> T:
        await hook.aget_conn()
        return cast("T", await hook.asend(build(hook, *args, **kwargs)))

    owner = build.__qualname__.removesuffix(build.__name__)
    blocking.__name__, blocking.__qualname__ = name, owner + name
    awaitable.__name__, awaitable.__qualname__ = f"a{name}", f"{owner}a{name}"
    awaitable.__doc__ = f"Awaitable `{name}`, for triggers: never blocks the event loop.\n\n{build.__doc__}"
    return blocking, awaitable

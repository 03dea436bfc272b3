"""Request parameters as the SDK sends them (strings in the query or form body), decoded or refused as DataWorks does.

Integers arrive as strings (``Id=1234``), arrays and objects as one JSON field (``Ids=[1,2]``); a missing or
invalid value raises the 400 ``MissingParameter`` / ``InvalidParameter`` error naming the parameter.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from dataworks_emulator.errors import invalid_parameter, missing_parameter

Params = Mapping[str, str]

DEFAULT_PAGE_SIZE = 10


def optional_text(params: Params, name: str) -> str | None:
    """Return a parameter's value, None when absent or empty."""
    value = params.get(name)
    return value if value else None


def required_text(params: Params, name: str) -> str:
    """Return a mandatory parameter's value or raise MissingParameter."""
    value = optional_text(params, name)
    if value is None:
        raise missing_parameter(name)
    return value


def to_int(name: str, raw: str) -> int:
    """Parse an integer parameter value or raise InvalidParameter."""
    try:
        return int(raw)
    except ValueError:
        raise invalid_parameter(name, f"{raw!r} is not an integer.") from None


def optional_int(params: Params, name: str) -> int | None:
    """Return an optional integer parameter."""
    raw = optional_text(params, name)
    return None if raw is None else to_int(name, raw)


def required_int(params: Params, name: str) -> int:
    """Return a mandatory integer parameter."""
    return to_int(name, required_text(params, name))


def json_param(params: Params, name: str) -> Any:
    """Return a JSON-valued parameter decoded, None when absent."""
    raw = optional_text(params, name)
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise invalid_parameter(name, "the value is not valid JSON.") from None


def choice_param(params: Params, name: str, choices: tuple[str, ...]) -> str | None:
    """Return an optional enumerated parameter, checking it against its allowed values."""
    value = optional_text(params, name)
    if value is not None and value not in choices:
        raise invalid_parameter(name, f"expected one of {', '.join(choices)}.")
    return value


def page_param(params: Params, max_size: int) -> tuple[int, int]:
    """Return (PageNumber, PageSize), defaults 1 and 10, PageSize at most ``max_size``."""
    number = optional_int(params, "PageNumber") or 1
    size = optional_int(params, "PageSize") or DEFAULT_PAGE_SIZE
    if number < 1:
        raise invalid_parameter("PageNumber", "it must be at least 1.")
    if not 1 <= size <= max_size:
        raise invalid_parameter("PageSize", f"it must be between 1 and {max_size}.")
    return number, size


def paging_info(items: list[dict[str, Any]], page: tuple[int, int], key: str) -> dict[str, Any]:
    """Return the paging object (``PagingInfo``, ``PageInfo``) for one page of ``items``."""
    number, size = page
    start = (number - 1) * size
    return {
        "PageNumber": number,
        "PageSize": size,
        "TotalCount": len(items),
        key: items[start : start + size],
    }

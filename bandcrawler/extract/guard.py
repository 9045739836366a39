"""Limits every parser applies to hostile input: JSON nesting depth, and duplicate items found
in linear time."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

# Real event markup nests a handful of levels (graph > event > location > address); a
# thousand-deep document is an attack or garbage, and would exhaust Python's stack.
MAX_DEPTH = 64

T = TypeVar("T")


def loads(text: str | bytes, **options: Any) -> Any:
    """`json.loads`, with nesting beyond MAX_DEPTH a ValueError like any other bad JSON."""
    try:
        data = json.loads(text, **options)
    except RecursionError:
        raise ValueError(f"JSON nested more than {MAX_DEPTH} levels deep") from None
    check_depth(data)
    return data


def check_depth(data: Any, limit: int = MAX_DEPTH) -> None:
    """Raise ValueError when `data` nests lists/objects more than `limit` levels deep."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Iterable[Any] = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            raise ValueError(f"JSON nested more than {limit} levels deep")
        stack.extend((child, depth + 1) for child in children)


def unique(items: Iterable[T]) -> Iterator[T]:
    """Each distinct item once, in order (an event exported twice is one concert); items are
    compared by value, through a canonical JSON key, so a huge feed stays linear."""
    seen: set[str] = set()
    for item in items:
        value = vars(item) if hasattr(item, "__dict__") else item
        key = json.dumps([type(item).__name__, value], sort_keys=True, default=repr)
        if key not in seen:
            seen.add(key)
            yield item

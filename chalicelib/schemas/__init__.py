"""Request bodies, one module per area (pydantic v2: strict types, camelCase, unknown fields refused).

They are the HTTP edge only: handlers turn a body into a command (`body.to_command()`) or plain values
for the service; no service or domain module imports them (tests/unit/test_layering.py).

This package itself is free to import and must stay so: `import app` is the Lambda cold start, and
pydantic with these models would add about 230 ms to its 140 ms. So a handler module names
its bodies through `lazy(area)`, which mypy and dead-code tools read as the real module:

    if TYPE_CHECKING:
        from chalicelib.schemas import tasks as bodies
    else:
        bodies = lazy("tasks")

    @endpoint(bp, "/tasks", "POST", policy=CUSTOMER, body=bodies.TaskFields)

At run time `bodies.TaskFields` is a `LazyModel`; the area is imported when a request first needs it.
"""

from __future__ import annotations

import importlib
from typing import Any, TypeVar

T = TypeVar("T")


class LazyModel:
    """A request model named before its module is imported; `resolve()` (or any use) imports it once."""

    def __init__(self, module: str, name: str) -> None:
        self.module = module
        self.__name__ = name

    def resolve(self) -> Any:
        return getattr(importlib.import_module(self.module), self.__name__)

    # Used as the class it stands for, it behaves as that class.
    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):  # probes (copy, inspect) and a half-built instance must not import
            raise AttributeError(attribute)
        return getattr(self.resolve(), attribute)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.resolve()(*args, **kwargs)

    def __instancecheck__(self, instance: object) -> bool:
        return isinstance(instance, self.resolve())

    def __repr__(self) -> str:
        return f"LazyModel({self.module}.{self.__name__})"


class LazyArea:
    """`chalicelib.schemas.<area>` not yet imported: each attribute is a `LazyModel` of that module."""

    def __init__(self, area: str) -> None:
        self.module = f"{__name__}.{area}"

    def __getattr__(self, name: str) -> LazyModel:
        if name.startswith("__"):
            raise AttributeError(name)
        return LazyModel(self.module, name)


def lazy(area: str) -> Any:
    """The bodies of one area, named now and imported on first use (typed as the module under TYPE_CHECKING)."""
    return LazyArea(area)


def resolve(body: T) -> T:
    """The model class of a route's body: a `LazyModel` is imported now; a class is returned as it is."""
    return body.resolve() if isinstance(body, LazyModel) else body

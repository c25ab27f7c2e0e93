"""Strategy parameters: a typed, frozen model that refuses unknown names and bad values."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from tradewind.errors import StrategyError

P = TypeVar("P", bound="StrategyParams")


class StrategyParams(BaseModel):
    """Base of every strategy's parameters. Subclass it and declare typed fields with defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)

    @classmethod
    def parse(cls: type[P], values: Mapping[str, Any] | None, strategy: str = "strategy") -> P:
        """Validate ``values``; a bad name or value raises StrategyError naming it and the fix."""
        try:
            return cls.model_validate(dict(values or {}))
        except ValidationError as exc:
            raise StrategyError(describe_errors(exc, cls, strategy)) from None

    @classmethod
    def describe(cls) -> list[dict[str, str]]:
        """Each parameter's name, type, default and description, for ``tradewind strategies``."""
        rows = []
        for name, field in cls.model_fields.items():
            annotation = field.annotation
            type_name = getattr(annotation, "__name__", str(annotation))
            rows.append(
                {
                    "name": name,
                    "type": type_name,
                    "default": _show(field.default),
                    "description": field.description or "",
                }
            )
        return rows


def describe_errors(exc: ValidationError, model: type[BaseModel], strategy: str) -> str:
    """Turn pydantic's errors into one line that names the parameter and the fix."""
    known = ", ".join(model.model_fields) or "none"
    parts = []
    for error in exc.errors():
        name = ".".join(str(p) for p in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden":
            parts.append(f"unknown parameter {name!r} (known: {known})")
        elif not name:  # a check across several parameters: its message names them
            parts.append(message)
        else:
            parts.append(f"parameter {name!r}={error.get('input')!r}: {message}")
    return f"{strategy}: " + "; ".join(parts)


def _show(value: Any) -> str:
    return str(value) if isinstance(value, Decimal) else repr(value)

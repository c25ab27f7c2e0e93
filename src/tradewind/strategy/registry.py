"""Find a strategy class by built-in name, ``package.module:Class`` or ``path/to/file.py:Class``."""

from __future__ import annotations

import difflib
import hashlib
import importlib
import importlib.util
import inspect
import sys
import traceback
from pathlib import Path
from types import ModuleType
from typing import Any

from tradewind.errors import StrategyError
from tradewind.strategy.base import Strategy
from tradewind.strategy.library import BUILTINS

FORMS = "a built-in name ({names}), 'package.module:ClassName' or 'path/to/file.py:ClassName'"


def load_strategy(spec: str) -> type[Strategy[Any]]:
    """The strategy class ``spec`` names.

    ``spec`` is a built-in name (see ``BUILTINS``), ``package.module:ClassName`` (imported
    like any module) or ``path/to/file.py:ClassName`` (the file is imported by path, afresh
    each time). Anything that cannot be found raises StrategyError naming what is missing.
    """
    text = spec.strip()
    builtin = BUILTINS.get(text)
    if builtin is not None:
        return builtin
    if ":" not in text:
        raise StrategyError(_unknown_name(text))
    where, _, class_name = text.rpartition(":")
    if not where or not class_name.isidentifier():
        raise StrategyError(
            f"strategy {spec!r} is incomplete: write " + FORMS.format(names=_builtin_names())
        )
    if _is_path(where):
        return _strategy_class(_import_file(Path(where).expanduser()), class_name, where)
    return _strategy_class(_import_module(where), class_name, where)


def describe_builtins() -> list[dict[str, Any]]:
    """Each built-in's name, one-line description and parameters (for ``tradewind strategies``)."""
    return [
        {
            "name": name,
            "description": _first_line(cls.__doc__),
            "params": cls.params_model.describe(),
        }
        for name, cls in BUILTINS.items()
    ]


def _builtin_names() -> str:
    return ", ".join(sorted(BUILTINS))


def _unknown_name(name: str) -> str:
    close = difflib.get_close_matches(name, list(BUILTINS), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown strategy {name!r}{hint}: use " + FORMS.format(names=_builtin_names())


def _is_path(where: str) -> bool:
    return where.endswith(".py") or "/" in where or "\\" in where


def _import_module(name: str) -> ModuleType:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and (name == exc.name or name.startswith(exc.name + ".")):
            raise StrategyError(
                f"strategy module {name!r} not found: check the spelling and that it is "
                "installed or on PYTHONPATH (or give a file as path/to/file.py:ClassName)"
            ) from None
        raise StrategyError(f"strategy module {name!r} could not be imported: {exc}") from exc
    except Exception as exc:
        raise StrategyError(
            f"strategy module {name!r} failed while importing: {type(exc).__name__}: {exc}"
        ) from exc


def _import_file(path: Path) -> ModuleType:
    if not path.is_file():
        raise StrategyError(
            f"strategy file {str(path)!r} not found: check the path (relative paths are "
            f"from the current directory, {Path.cwd()})"
        )
    resolved = path.resolve()
    digest = hashlib.sha1(str(resolved).encode(), usedforsecurity=False).hexdigest()[:12]
    module_name = f"tradewind_strategy_file_{digest}"
    loader_spec = importlib.util.spec_from_file_location(module_name, resolved)
    if loader_spec is None or loader_spec.loader is None:
        raise StrategyError(f"strategy file {str(path)!r} cannot be imported: give a .py file")
    module = importlib.util.module_from_spec(loader_spec)
    # Registered before it runs, so that pydantic and dataclasses can resolve its names.
    sys.modules[module_name] = module
    try:
        loader_spec.loader.exec_module(module)
    except Exception as exc:
        sys.modules.pop(module_name, None)
        raise StrategyError(
            f"strategy file {str(path)!r} failed while importing{_line_in(resolved, exc)}: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    return module


def _line_in(path: Path, exc: BaseException) -> str:
    """`` (line N)`` of the deepest traceback frame in ``path``, if any."""
    if isinstance(exc, SyntaxError) and exc.lineno is not None and exc.filename == str(path):
        return f" (line {exc.lineno})"
    lines = [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == str(path)]
    return f" (line {lines[-1]})" if lines else ""


def _strategy_class(module: ModuleType, class_name: str, where: str) -> type[Strategy[Any]]:
    found = getattr(module, class_name, None)
    if found is None:
        defined = sorted(
            name
            for name, value in vars(module).items()
            if isinstance(value, type)
            and issubclass(value, Strategy)
            and value is not Strategy
            and not inspect.isabstract(value)
        )
        listing = ", ".join(defined) or "none"
        raise StrategyError(
            f"{where!r} has no class {class_name!r} (strategies it defines: {listing}): "
            "check the class name after the ':'"
        )
    if not (isinstance(found, type) and issubclass(found, Strategy)):
        raise StrategyError(
            f"{where}:{class_name} is not a Strategy subclass: derive it from tradewind.Strategy"
        )
    return found


def _first_line(doc: str | None) -> str:
    lines = (doc or "").strip().splitlines()
    return lines[0].strip() if lines else ""

"""Declared suite keys: each one's TOML type, default, allowed values and meaning.

The common keys of every entry are the fields of :class:`~mnistkit.benchmark.Entry`; each entry
kind declares its own keys the same way, as the fields of its options dataclass. One function,
:func:`convert_fields`, checks a TOML table against such a dataclass, so a value of the wrong type
(``description = 5``, ``params = 3``) is refused when the suite is loaded, naming the key and the
expected type, never deep in a run or in the report.
"""

import dataclasses
import difflib
from collections.abc import Callable

__all__ = ["SuiteError", "convert_fields", "field_names", "suite_field"]


class SuiteError(ValueError):
    """A suite file cannot be used: the message names the file, the entry, the key and the fix."""


_TYPE_WORDS = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    list: "an array",
    dict: "a table",
}


def suite_field(*, types, default=None, doc="", check=None, factory=None):
    """A dataclass field that is also a suite key.

    Parameters
    ----------
    types : tuple of type
        TOML value types accepted (``int`` is accepted where ``float`` is).
    default : object, default=None
        Value when the key is absent (``None``: the key is optional and unset).
    doc : str
        What the key means, for error messages and the documentation.
    check : callable, default=None
        ``check(value) -> str or None``: a further condition; the string says what is allowed.
    factory : callable, default=None
        Builds a fresh mutable default (``dict``, ``list``).
    """
    metadata = {"types": tuple(types), "doc": doc, "check": check}
    if factory is not None:
        return dataclasses.field(default_factory=factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def field_names(cls):
    """The suite keys declared by a dataclass."""
    return [field.name for field in dataclasses.fields(cls) if "types" in field.metadata]


def _type_matches(value, types):
    if isinstance(value, bool):  # bool is an int in Python, never in a suite
        return bool in types
    if isinstance(value, int) and float in types:
        return True
    return isinstance(value, types)


def _describe(types):
    return " or ".join(_TYPE_WORDS.get(kind, kind.__name__) for kind in types)


def convert_fields(cls, raw, where, *, required=()):
    """Check the keys of ``raw`` declared by ``cls``; return them as keyword arguments.

    Parameters
    ----------
    cls : dataclass type
        Declares the keys with :func:`suite_field`.
    raw : dict
        The entry's table (only the keys ``cls`` declares are read).
    where : str
        Names the file and the entry in messages.
    required : tuple of str
        Keys that must be present.

    Raises
    ------
    SuiteError
        For a missing required key, a value of the wrong type, or a value its ``check`` refuses.
    """
    values = {}
    for field in dataclasses.fields(cls):
        if "types" not in field.metadata:
            continue
        if field.name not in raw:
            if field.name in required:
                raise SuiteError(f"{where} needs {field.name!r} ({field.metadata['doc']}).")
            continue
        value, types = raw[field.name], field.metadata["types"]
        if not _type_matches(value, types):
            raise SuiteError(
                f"{where}: {field.name!r} must be {_describe(types)} "
                f"({field.metadata['doc']}); got {type(value).__name__} {value!r}."
            )
        if isinstance(value, int) and not isinstance(value, bool) and int not in types:
            value = float(value)
        check: Callable | None = field.metadata["check"]
        problem = check(value) if check else None
        if problem:
            raise SuiteError(f"{where}: {field.name!r} {problem}; got {value!r}.")
        values[field.name] = value
    return values


def unknown_keys_message(unknown, known, where):
    """'entry 2 ('x') has unknown keys 'modle' (did you mean 'model'?)'."""
    described = ", ".join(
        f"{key!r}" + (f" (did you mean {hint[0]!r}?)" if hint else "")
        for key in sorted(unknown)
        for hint in [difflib.get_close_matches(key, sorted(known), n=1)]
    )
    return f"{where} has unknown keys {described}."


# Checks shared by several keys.
def one_of(*allowed):
    """Accept only the listed values."""

    def check(value):
        return None if value in allowed else f"must be one of {', '.join(map(repr, allowed))}"

    return check


def _plain_number(value):
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def between(minimum, maximum):
    """Accept numbers from ``minimum`` to ``maximum``: a count a suite sets is bounded by what a
    run can do (``repeats = 10000000`` would plan for minutes before running anything), and a
    number is finite (``time_limit = inf`` cannot be waited for)."""

    def check(value):
        if value != value or not minimum <= value <= maximum:  # value != value: NaN
            return f"must be from {_plain_number(minimum)} to {_plain_number(maximum)}"
        return None

    return check


def table_of(types, what):
    """A table whose values all have one of ``types``."""

    def check(value):
        bad = [key for key, item in value.items() if not _type_matches(item, types)]
        return f"must map names to {what}; {bad[0]!r} does not" if bad else None

    return check

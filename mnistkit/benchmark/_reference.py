"""The suite file's reference, generated from the declarations the loader checks against.

Every key of an entry is a field of :class:`~mnistkit.benchmark.Entry` or of its kind's options
dataclass, declared with :func:`~._fields.suite_field` (types, default, allowed values, meaning).
:func:`suite_reference` writes those declarations out as reStructuredText, so the documentation
is the loader's own schema and cannot drift from it (the docs build writes the page from it).
"""

import dataclasses

from ._fields import _TYPE_WORDS, field_names
from ._kinds import get_kind, kind_names
from ._records import Entry

__all__ = ["key_rows", "suite_reference"]


def _default(field):
    if field.default_factory is not dataclasses.MISSING:
        value = field.default_factory()
    else:
        value = field.default
    if value is None or value == {} or value == []:
        return "(none)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"' if value else '""'
    return repr(value)


def _allowed(field):
    """What its check allows, in its own words (probed with values no check accepts)."""
    check = field.metadata.get("check")
    if check is None:
        return ""
    for probe in ("\x00", float("nan"), -(10**18), [], {}):
        try:
            problem = check(probe)
        except (TypeError, ValueError, AttributeError, KeyError):
            continue
        if problem and problem.startswith("must"):
            return problem
    return ""


def key_rows(cls):
    """``(key, type, default, meaning)`` of each suite key ``cls`` declares."""
    fields = {field.name: field for field in dataclasses.fields(cls)}
    rows = []
    for name in field_names(cls):
        field = fields[name]
        kinds = " or ".join(
            _TYPE_WORDS.get(kind, kind.__name__) for kind in field.metadata["types"]
        )
        meaning = field.metadata["doc"]
        allowed = _allowed(field)
        if allowed:
            meaning = f"{meaning}; {allowed}"
        rows.append((name, kinds, _default(field), meaning))
    return rows


def _table(rows):
    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 18 14 14 54", ""]
    for row in [("key", "type", "default", "meaning"), *rows]:
        cells = [f"``{row[0]}``" if row is not None and row[0] != "key" else row[0], *row[1:]]
        lines.append(f"   * - {cells[0]}")
        lines += [f"     - {cell.replace(chr(10), ' ')}" for cell in cells[1:]]
    return "\n".join(lines)


def suite_reference():
    """The suite reference page's tables as reStructuredText: the keys of every entry, then
    those of each entry kind, each with its type, default and meaning."""
    parts = [
        "Keys of every entry",
        "-------------------",
        "",
        "Any of these may also be given once under ``[defaults]``, for every entry.",
        "",
        _table(key_rows(Entry)),
        "",
    ]
    for name in kind_names():
        kind = get_kind(name)
        rows = key_rows(kind.options)
        title = f"Keys of kind ``{name}``"
        parts += [title, "-" * len(title), ""]
        doc = (type(kind).__doc__ or "").strip().splitlines()
        if doc:
            parts += [doc[0], ""]
        parts += [_table(rows) if rows else "No keys of its own.", ""]
    return "\n".join(parts)

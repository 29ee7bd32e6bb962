"""Entry kinds: one module per kind, each defining and registering one :class:`EntryKind`.

Every module of this package whose name does not start with ``_`` is imported here, so adding a
kind is adding one module: nothing else is edited. A kind owns its suite keys (an options
dataclass) and their validation, how it runs, the figures it reports and how it is rendered.
"""

import importlib
import pkgutil

from ._base import EntryKind, Fact, get_kind, kind_names, register_kind

__all__ = ["EntryKind", "Fact", "get_kind", "kind_names", "register_kind"]

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")

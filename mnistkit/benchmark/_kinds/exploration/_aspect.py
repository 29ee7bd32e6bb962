"""The :class:`Aspect` base class of exploration aspects, and their registry."""

from typing import ClassVar

__all__ = ["Aspect", "aspect_names", "get_aspect", "register_aspect"]

_ASPECTS = {}


class Aspect:
    """One way of looking at a data set before any model sees it: an exploration entry's
    ``aspect``.

    A subclass sets :attr:`name`, implements :meth:`measure` and registers itself with
    :func:`register_aspect`; it may add facts, words and pictures. The exploration kind only
    calls these methods, so a new aspect is one new module in this package.
    """

    #: The ``aspect`` value in a suite.
    name: ClassVar[str]
    #: The published figures an entry of this aspect can be compared on (``reported`` keys),
    #: each a :class:`~mnistkit.benchmark._kinds._base.ReportedFigure`.
    reported_figures: ClassVar[dict] = {}

    def measure(self, data):
        """The aspect's figures of ``data`` (an ``EntryData``), as a JSON-able dict."""
        raise NotImplementedError

    def facts(self, metrics):
        """The figures of :meth:`measure`'s ``metrics`` shown on the entry's card (Facts)."""
        return []

    def finding(self, metrics):
        """The result in words, set beside a published finding."""
        raise NotImplementedError

    def figures(self, metrics, training_data):
        """Pictures: a list of ``(caption, slug, matplotlib Figure)``.

        ``training_data()`` returns the run's training ``(images, labels)`` (``None`` when
        the data set is not on this machine), for pictures that need the images themselves.
        """
        return []


def register_aspect(cls):
    """Class decorator: make an aspect available to exploration entries under ``cls.name``."""
    _ASPECTS[cls.name] = cls()
    return cls


def aspect_names():
    """The names of the registered aspects, sorted."""
    return sorted(_ASPECTS)


def get_aspect(name):
    """The registered :class:`Aspect` called ``name``."""
    return _ASPECTS[name]

"""Exceptions and warnings raised by mnistkit."""

__all__ = [
    "ChecksumError",
    "DatasetNotFoundError",
    "IDXFormatError",
    "ImageFolderError",
    "MnistkitWarning",
]


class MnistkitWarning(UserWarning):
    """Base class of the warnings that mnistkit issues."""


class IDXFormatError(ValueError):
    """An IDX file is malformed: bad magic number, dtype code, dimensions or payload length."""


class ChecksumError(ValueError):
    """The contents of a data file do not match their published checksum."""


class DatasetNotFoundError(FileNotFoundError):
    """A data set is not on this machine and could not be downloaded."""


class ImageFolderError(ValueError):
    """An image folder cannot be loaded as a class-per-subfolder data set."""

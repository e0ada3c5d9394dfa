"""Typed errors.

The state machine's Retry and Catch match errors by name: a Lambda function's
``errorType`` is the class name of the exception it raised, so these class names are
part of the contract with ``statemachines/*.asl.yml``. A test keeps the two in step.
"""

from __future__ import annotations

import re


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


class ShoplakeError(Exception):
    """Base of every error this package raises on purpose."""


class ConfigurationError(ShoplakeError):
    """Required configuration is missing or invalid (raised at cold start)."""


class ObjectRejected(ShoplakeError):
    """A landed object will never be processable as it is: it goes to quarantine, not to retry.

    Each subclass is one rejection reason; its ``reason`` code is the snake-cased class name.
    """

    @classmethod
    def reason_code(cls) -> str:
        return _snake(cls.__name__)

    @property
    def reason(self) -> str:
        return self.reason_code()


class UnknownDataset(ObjectRejected):
    """The object's key is under no dataset prefix."""


class FolderMarker(ObjectRejected):
    """The object is a zero-byte "folder" marker (key ends in '/')."""


class EmptyObject(ObjectRejected):
    """The object has zero bytes."""


class UnsupportedFileType(ObjectRejected):
    """The object's extension is not one the dataset accepts."""


class ObjectTooLarge(ObjectRejected):
    """The object is larger than the stage's size limit."""


class UndecodableObject(ObjectRejected):
    """The object cannot be decompressed or decoded as a whole (truncated gzip, binary junk)."""


class MissingColumns(ObjectRejected):
    """A CSV file's header lacks columns that every layout of the dataset requires."""


class MalformedDocument(ObjectRejected):
    """A file that is one document (a JSON array) is not well-formed, or has no header row (CSV)."""


def rejection_errors() -> list[type[ObjectRejected]]:
    """Every concrete rejection error, in declaration order (the state machine catches each by name)."""
    return list(ObjectRejected.__subclasses__())


def rejection_error(reason: str) -> type[ObjectRejected]:
    """The rejection error of a reason code (``missing_columns`` → MissingColumns)."""
    for error in rejection_errors():
        if error.reason_code() == reason:
            return error
    raise ShoplakeError(f"{reason!r} is not a rejection reason")


class ReconciliationError(ShoplakeError):
    """Counts do not add up: records_read != processed + quarantined + duplicates, or rows went missing."""


class WarehouseRefreshError(ShoplakeError):
    """The warehouse did not register the files that were just published."""


class PublishedOutputMissing(ShoplakeError):
    """A step expected output of an earlier step (a manifest) that is not there."""

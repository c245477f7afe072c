"""Errors that services raise and every face (page, API, task) turns into a clear message."""


class StaleEdit(Exception):
    """The record changed since the editor read it; their write would silently overwrite."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(
            message
            or "Someone else changed this record since you opened it. "
            "Reload to see their changes, then apply yours again."
        )

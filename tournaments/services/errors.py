class DomainError(Exception):
    """The one error services raise for a request that cannot be honoured.

    The message is written for the person who asked ("Registration #41 is already confirmed (by
    alice at 14:02)"), so the admin, the lobby and imports show it as it is. ``code`` lets callers
    branch without parsing text.
    """

    def __init__(self, message: str, *, code: str = "invalid", details: dict | None = None):
        super().__init__(message)
        self.message = str(message)
        self.code = code
        self.details = details or {}

    def __str__(self):
        return self.message


class PermissionDenied(DomainError):
    def __init__(self, message: str, **kwargs):
        kwargs.setdefault("code", "forbidden")
        super().__init__(message, **kwargs)

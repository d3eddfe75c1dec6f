"""The engine's exceptions: each message is written for the person who has to act on it."""


class EngineError(Exception):
    """Base of the engine's own errors."""


class ReferenceDataError(EngineError):
    """A drug library or pump catalogue file is missing, malformed or inconsistent."""


class ProgrammeFileError(EngineError):
    """A programme file cannot be read: names the file's field and what is wrong with it."""

    def __init__(self, message: str, field: str | None = None) -> None:
        self.field = field
        super().__init__(f"{field}: {message}" if field else message)

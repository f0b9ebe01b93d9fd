"""Errors raised while rendering a Helm chart.

Messages follow Go's wording where it helps to compare with `helm template`
(e.g. ``error calling add: ...``); the engine adds the template name and line.
"""

from __future__ import annotations


class TemplateError(Exception):
    """A template could not be evaluated the way Go's text/template would.

    ``message`` is the Go-like text; ``function`` names the function that
    failed (when a function failed); the executor may fill ``template`` and
    ``line`` when it knows where the error happened.
    """

    def __init__(
        self,
        message: str,
        *,
        function: str | None = None,
        template: str | None = None,
        line: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.function = function
        self.template = template
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.template is not None:
            where = f"template: {self.template}"
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        if self.function is not None:
            return f"{where}error calling {self.function}: {self.message}"
        return f"{where}{self.message}"


class UnknownFunction(TemplateError):
    """A function the renderer does not implement: the affected output is unknown."""

    def __init__(self, name: str, **kwargs: object) -> None:
        super().__init__(f'function "{name}" not defined', **kwargs)  # type: ignore[arg-type]
        self.name = name

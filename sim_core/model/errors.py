"""The one exception type for bad user input: it carries a one-line message naming file and field."""


class InputError(ValueError):
    """A scenario, parameter or asset the user supplied is not usable.

    ``str(err)`` is a single line of the form ``<file>: <field>: <what is wrong>``, ready to print
    without a traceback.
    """

    def __init__(self, source: str, field: str, problem: str):
        self.source = str(source)
        self.field = field
        self.problem = problem
        super().__init__(f"{self.source}: {field}: {problem}" if field else f"{self.source}: {problem}")

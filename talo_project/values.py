"""Values every layer shares."""


class _NotSupplied:
    """A field the caller did not supply (unlike one supplied as null)."""

    def __repr__(self):
        return "NOT_SUPPLIED"


NOT_SUPPLIED = _NotSupplied()

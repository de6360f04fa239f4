"""`UsageError`: a bad command-line argument (one line on stderr, exit status 2)."""


class UsageError(ValueError):
    pass

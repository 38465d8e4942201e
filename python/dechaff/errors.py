"""The dechaff exception hierarchy.

Every error dechaff raises on purpose is a :class:`DechaffError`, which is also a
:class:`ValueError`, so ``except ValueError`` keeps working::

    DechaffError (ValueError)
    ├── RuleError     a rule file or rule is invalid; the message names the rule
    ├── InputError    the input cannot be cleaned (wrong type, above max_bytes, …)
    ├── OptionError   an option value is invalid (unknown language, category, …)
    └── ModeError     the requested mode is not available (also an OptionError)
"""

from __future__ import annotations

from ._core import DechaffError, InputError, OptionError, RuleError


class ModeError(OptionError):
    """The requested cleaning mode is unknown or needs an optional dependency."""


__all__ = ["DechaffError", "InputError", "ModeError", "OptionError", "RuleError"]

"""dechaff: strip boilerplate from scraped articles and normalise their text.

>>> from dechaff import clean_article
>>> clean_article("The council approved the budget, officials said.\\n\\nShare this article")
'The council approved the budget, officials said.'
"""

from ._core import __version__
from .api import (
    LANGUAGES,
    MODES,
    Cleaner,
    CleanResult,
    Removal,
    categories,
    clean_article,
    detect_language,
    detect_mode,
    list_rules,
    normalize,
)
from .errors import DechaffError, InputError, ModeError, OptionError, RuleError

__all__ = [
    "LANGUAGES",
    "MODES",
    "CleanResult",
    "Cleaner",
    "DechaffError",
    "InputError",
    "ModeError",
    "OptionError",
    "Removal",
    "RuleError",
    "__version__",
    "categories",
    "clean_article",
    "detect_language",
    "detect_mode",
    "list_rules",
    "normalize",
]

"""The user's language for messages: Vietnamese by default, English on request.

The language is a process-wide preference (users read one language): `VANKIEN_LANG=en`
in the environment, or `vankien --lang en …`, which calls `set_language`. Library code
formats user-facing messages with `t(key, **values)`; the catalogue is in messages.py.
Results, document text and the site stay Vietnamese whatever the setting.
"""
from __future__ import annotations

import os
import re

LANGUAGES = ("vi", "en")
_state = {"lang": os.environ.get("VANKIEN_LANG", "vi") if os.environ.get("VANKIEN_LANG") in LANGUAGES else "vi"}


def set_language(lang: str) -> None:
    """Choose the message language ("vi" or "en")."""
    if lang not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(LANGUAGES)}")
    _state["lang"] = lang


def language() -> str:
    """The current message language."""
    return _state["lang"]


def pick(vi: str, en: str) -> str:
    """The Vietnamese or English text, by the current language."""
    return en if _state["lang"] == "en" else vi


def t(key: str, **values) -> str:
    """The catalogue message `key` in the current language, formatted with `values`."""
    from .messages import MESSAGES
    vi, en = MESSAGES[key]
    return pick(vi, en).format(**values)


def number(value: float, digits: int = 1) -> str:
    """A number as the reader writes it: "9,7" in Vietnamese, "9.7" in English."""
    text = f"{value:,.{digits}f}" if digits else f"{value:,.0f}"
    if _state["lang"] == "en":
        return text
    return text.replace(",", "\u2009").replace(".", ",").replace("\u2009", ".")


def reason(text: str) -> str:
    """A reader's reason for skipping an input, in the current language (unknown ones as they are)."""
    if _state["lang"] == "en":
        return text
    from .messages import REASONS
    for pattern, vi in REASONS:
        m = re.match(pattern, text)
        if m:
            return m.expand(vi)
    return text

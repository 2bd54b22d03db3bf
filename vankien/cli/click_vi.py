"""Click's own words (usage, section titles, parameter errors) in Vietnamese.

Click marks its user-facing strings for gettext but ships no Vietnamese catalogue, so
`vankien --help` would mix English headings with Vietnamese help. `install()` gives the
click modules a translating `_`; with --lang en (or VANKIEN_LANG=en) the original English
stays. Strings not listed here pass through unchanged.
"""
from __future__ import annotations

import importlib

from vankien.i18n import language

VIETNAMESE = {
    "Usage:": "Cách dùng:",
    "Options": "Tùy chọn",
    "Commands": "Lệnh",
    "Positional arguments": "Đối số",
    "Show this message and exit.": "Hiện hướng dẫn này rồi thoát.",
    "Error: {message}": "Lỗi: {message}",
    "Try '{command} {option}' for help.": "Xem hướng dẫn: '{command} {option}'.",
    "Invalid value for {param_hint}: {message}": "Giá trị không hợp lệ cho {param_hint}: {message}",
    "Invalid value: {message}": "Giá trị không hợp lệ: {message}",
    "Missing argument": "Thiếu đối số",
    "Missing option": "Thiếu tùy chọn",
    "Missing parameter": "Thiếu tham số",
    "Missing parameter: {param_name}": "Thiếu tham số: {param_name}",
    "Missing command.": "Thiếu lệnh.",
    "No such command {name!r}.": "Không có lệnh {name!r}.",
    "No such option {name!r}.": "Không có tùy chọn {name!r}.",
    "Option {name!r} does not take a value.": "Tùy chọn {name!r} không nhận giá trị.",
    "Argument {name!r} takes {nargs} values.": "Đối số {name!r} cần {nargs} giá trị.",
    "default: {default}": "mặc định: {default}",
    "env var: {var}": "biến môi trường: {var}",
    "Aborted!": "Đã dừng!",
    "{value} is not in the range {range}.": "{value} nằm ngoài khoảng {range}.",
    "{value!r} is not a valid {number_type}.": "{value!r} không phải {number_type} hợp lệ.",
    "{name} {filename!r} does not exist.": "{name} {filename!r} không tồn tại.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} là một thư mục.",
    "{name} {filename!r} is a file.": "{name} {filename!r} là một tệp.",
    "file": "tệp", "directory": "thư mục", "path": "đường dẫn",
    "integer": "số nguyên", "float": "số thực", "integer range": "số nguyên trong khoảng",
    "float range": "số thực trong khoảng",
}
_MODULES = ("click.core", "click.formatting", "click.exceptions", "click.decorators", "click.types", "click.parser")


def _translate(message: str) -> str:
    return VIETNAMESE.get(message, message) if language() == "vi" else message


def install() -> None:
    """Route click's gettext calls through the Vietnamese table (language checked at each call)."""
    for name in _MODULES:
        module = importlib.import_module(name)
        if hasattr(module, "_"):
            module._ = _translate

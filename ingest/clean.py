"""Remove page chrome from scraped text while keeping every real content line.

`clean_page` works line by line on normalised text. What it takes out is not thrown away
blindly: date lines, portal/source lines, the byline, the notice's recipients and
signature, and the headline go to their own `Cleaned` fields; only true chrome (font-size
bars, related-article lists, title repeats and photo captions) is dropped, and is listed
in `Cleaned.removed`. On already-clean text it changes nothing but whitespace.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from vankien.ingest.model import Cleaned
from vankien.ingest.normalize import normalize_line, normalize_text

# Everything from one of these lines on is the site's related-article list.
# Linear-time rule for the line patterns below: every whitespace run is possessive (`\s*+`)
# wherever what follows cannot start with whitespace, so a match is the same as with `\s*`,
# but a long run of whitespace the normaliser keeps (form feeds, U+2028 …) is scanned once
# instead of being split every possible way between two adjacent `\s*` (cubic before).
_STOP_MARKER = re.compile(
    r"(?i)^(?:các bài viết khác|các tin khác|tin khác|đọc thêm|tin liên quan|tin đã đưa|"
    r"bài viết liên quan|tin cùng chuyên mục|xem thêm|các tin đã đưa)\s*+:?$"
)
_CHROME_LINE = re.compile(
    r"(?i)^(?:xem với cỡ chữ\s*+a*|cỡ chữ\s*+a*|in bài(?: viết)?|bản in|chia sẻ|gửi email|"
    r"gửi bài viết|lưu bài|facebook|twitter|zalo|email|print|a\s*+a\s*+a?|[-+]?\s*+a\s*+[+-]|"
    r"nhấn vào (?:đây )?để (?:xem|tải)(?: về)?\s*+:?\s*+(?:chi tiết|văn bản|tệp đính kèm)?|tải về"
    r"|tệp đính kèm\s*+:?)$"
)
_WEEKDAY = r"(?:chủ nhật|thứ\s*+(?:hai|ba|tư|năm|sáu|bảy|[2-7]))"
_DMY = r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}"
_TIME = r"\d{1,2}[:h]\d{2}(?::\d{2})?"
_DATE_LINE = re.compile(
    rf"(?i)^\(?\s*+(?:(?:cập nhật|ngày đăng|đăng ngày|ngày cập nhật)\s*+:?\s*+)?"
    rf"(?:{_WEEKDAY}\s*+,?\s*+)?(?:ngày\s*+)?"
    rf"(?:{_DMY}(?:\s*+[-|,]?\s*+{_TIME}(?:\s*+\(?GMT[+\d:]*+\)?)?)?|{_TIME}\s*+[|,-]?\s*+{_DMY})"
    rf"\s*+\)?$"
)
_PORTAL_LINE = re.compile(
    r"(?i)^(?:cổng thông tin điện tử|cổng ttđt|trang thông tin điện tử|báo điện tử)\b.{2,80}$"
)
# "Nguồn: Báo Hà Nam". Was `nguồn\s*:?\s*[^.]{2,80}?\)?$`, quadratic on a long whitespace
# run; this form accepts the same lines (at least two characters after "nguồn", none a
# period, at most 80 once the leading spaces/colon and a closing parenthesis are set aside).
_SOURCE_LINE = re.compile(r"(?i)^\(?nguồn(?=[^.]{2})\s*+:?\s*+[^.]{0,80}\)?$")
# "(Baohatinh.vn) - " and dantri's "Dân trí " dateline before the lead sentence.
_LEAD_SOURCE = re.compile(
    r"^(\((?:[\w-]+\.)+(?:vn|com|net|org)\))\s*[-–—]\s*|^(Dân trí)\s+(?=[A-ZĐÀ-Ỹ0-9\"“])", re.I
)
_RECIPIENTS = re.compile(r"(?i)^nơi nhận\s*:?")
_LIST_ITEM = re.compile(r"^[-+•*]")
_POSITION_WORD = re.compile(
    r"^(?:TM|KT|TL|TUQ|Q)\.|^(?:kiêm|\(?đã ký\)?|\(?ký(?:,| và) ghi rõ họ tên\)?)$", re.I
)
# An upper-case signature line names a position, which a bare upper-case byline does not.
_POSITION_TITLE = re.compile(
    r"BÍ THƯ|CHỦ TỊCH|TRƯỞNG|PHÓ|GIÁM ĐỐC|ỦY VIÊN|UỶ VIÊN|THƯ KÝ|CHÁNH|ĐẠI DIỆN|ỦY BAN|UỶ BAN|"
    r"UBND|HĐND|HỘI ĐỒNG|BAN |^(?:TM|KT|TL|TUQ)\."
)
_CAPTION_START = re.compile(
    r"^(?:đồng chí|các đồng chí|ông|bà|các đại biểu|đại biểu|quang cảnh|toàn cảnh|lãnh đạo|ảnh)\b",
    re.I,
)
_CAPTION_VERB = re.compile(
    r"(?i)\b(?:phát biểu|chủ trì|trao|tặng|tham dự|chụp ảnh|"
    r"dự (?:hội nghị|buổi|lễ|kỳ họp|tọa đàm|đại hội|lớp))\b"
)
# Reported speech is content, not a caption: "Đồng chí … phát biểu, yêu cầu …".
_SPEECH_VERB = re.compile(r"(?i)\b(?:yêu cầu|đề nghị|nhấn mạnh|cho rằng|khẳng định|chỉ đạo các)\b")
_RECASE_MAX_NGRAM = 12
# recase_heading looks for the heading's words in the first this-many characters of the
# body only. The longest corpus document is ~14 kB, so real notices are read in full;
# a crafted multi-megabyte "notice" costs at most this much.
_RECASE_BODY_CHARS = 1_000_000
_BODY_WORD = re.compile(r"\S+")
_SENTENCE_END = re.compile(r"[.!?…]['\"”’)]*$")
_HEADING_END = re.compile(r"[.!?…;:]['\"”’)]*$")
_INNER_SENTENCE = re.compile(r"[.!?]\s+\S")
_MARKDOWN = re.compile(r"\*\*|__")
_NAME_WORD = re.compile(r"^[A-ZĐÀ-Ỹ][\wÀ-ỹ.]*$")
_NON_WORD = re.compile(r"[^\w]+")
_TITLE_MAX = 250
_HEAD_MAX_LINES = 4
_DEDUP_MIN_CHARS = 40
_CAPTION_MAX = 200
_BYLINE_MAX = 40
_SIGNATURE_LINE_MAX = 60


@dataclass(slots=True)
class _Line:
    """One non-empty line and whether a blank line (block break) came before it."""

    text: str
    new_block: bool


def clean_page(text: str, title_hint: str = "") -> Cleaned:
    """Strip chrome from a scraped page; move title, dates, sources, byline, recipients and
    signature to their own fields. Harmless on text that is already clean."""
    lines = _split_lines(_MARKDOWN.sub("", normalize_text(text)))
    out = Cleaned(text="")
    lines = _cut_related_list(lines, out)
    lines = _join_broken_lines(_drop_chrome_lines(lines, out))
    title_at, title_end = _find_title(lines, out, normalize_line(title_hint))
    lines = _take_head(lines, title_at, title_end, out)
    lines = _take_sources(lines, out)
    lines = _take_notice_tail(lines, out)
    lines = _take_byline(lines, out)
    lines = _drop_repeats_and_captions(lines, out)
    out.text = _join(lines)
    return out


def _split_lines(text: str) -> list[_Line]:
    """Non-empty lines, each marked with whether it starts a new block."""
    lines: list[_Line] = []
    blank = True
    for raw in text.split("\n"):
        if raw.strip():
            lines.append(_Line(raw.strip(), blank))
            blank = False
        else:
            blank = True
    return lines


def _join(lines: list[_Line]) -> str:
    """Lines back to text: blank line before a new block, newline inside a block."""
    parts = []
    for i, line in enumerate(lines):
        if i:
            parts.append("\n\n" if line.new_block else "\n")
        parts.append(line.text)
    return "".join(parts)


def _cut_related_list(lines: list[_Line], out: Cleaned) -> list[_Line]:
    """Drop a related-articles marker ("Đọc thêm", "CÁC BÀI VIẾT KHÁC:") and all after it."""
    for i, line in enumerate(lines):
        if i and _STOP_MARKER.match(line.text):
            out.removed.extend(l.text for l in lines[i:])
            return lines[:i]
    return lines


def _drop_chrome_lines(lines: list[_Line], out: Cleaned) -> list[_Line]:
    """Remove font-size/print/share bar lines, wherever they are."""
    kept, taken = _split_off(lines, _CHROME_LINE.match)
    out.removed.extend(taken)
    return kept


def _split_off(lines: list[_Line], predicate) -> tuple[list[_Line], list[str]]:
    """(lines kept, texts of the lines for which predicate(text) is true), order preserved."""
    kept: list[_Line] = []
    taken: list[str] = []
    for line in lines:
        if predicate(line.text):
            taken.append(line.text)
        else:
            kept.append(line)
    return kept, taken


def is_date_line(text: str) -> bool:
    """True for a standalone date line ("Thứ Bảy 26/02/2022 15:14", "(08:34 | 28/05/2019)")."""
    return bool(_DATE_LINE.match(text))


def _is_heading_like(text: str) -> bool:
    """Short line without final sentence punctuation (a headline or heading line)."""
    return len(text) <= _TITLE_MAX and not _HEADING_END.search(text)


def _is_upper(text: str) -> bool:
    """True if every letter of the line is upper case (a notice heading line)."""
    return _letter_case(text) == (True, True)


def _letter_case(text: str) -> tuple[bool, bool]:
    """(has a letter, no letter is lower case): `_is_upper` is both; two texts combine by or/and."""
    seen = False
    for c in text:
        if c.isalpha():
            if not c.isupper():
                return True, False
            seen = True
    return seen, True


def _find_title(lines: list[_Line], out: Cleaned, hint: str) -> tuple[int, int]:
    """Locate the headline as a line span [start, end); (-1, -1) when there is none.

    The head zone is the lines before the first body line (one that ends a sentence or
    is long). With a `hint` (the title the source gave) only a head line matching it is
    the title. Otherwise a notice's upper-case heading block is the title as a whole, and
    on a news page the last heading-like line of the zone is (earlier ones are labels).
    """
    candidates: list[int] = []
    hint_key = _title_key(hint) if hint else ""    # once, not per head line: a hint can be long
    for i, line in enumerate(lines):
        text = line.text
        if is_date_line(text) or _PORTAL_LINE.match(text):
            continue
        if not _is_heading_like(text):
            break
        if hint and _same_title(text, hint_key):
            return i, i + 1
        candidates.append(i)
    is_notice = bool(candidates) and _is_upper(lines[candidates[0]].text)
    if hint or not candidates or len(candidates) > _HEAD_MAX_LINES * (2 if is_notice else 1):
        return -1, -1
    after = candidates[-1] + 1
    if after >= len(lines) or lines[after].text[0].islower():
        return -1, -1    # nothing follows, or the "title" is the start of a broken sentence
    if is_notice:
        return candidates[0], after
    return candidates[-1], after


def _title_key(text: str) -> str:
    """Comparison form of a title: case-folded words, punctuation dropped."""
    return " ".join(_NON_WORD.sub(" ", text.casefold()).split())


def _same_title(line: str, hint_key: str) -> bool:
    """True if the line is the hinted title (given by its `_title_key`), allowing one of them
    to extend the other."""
    line_key = _title_key(line)
    if not line_key or not hint_key:
        return False
    shorter = min(len(line_key), len(hint_key))
    return (line_key.startswith(hint_key) or hint_key.startswith(line_key)) \
        and shorter >= 0.6 * max(len(line_key), len(hint_key))


def _take_head(lines: list[_Line], start: int, end: int, out: Cleaned) -> list[_Line]:
    """Move the title, head date lines and portal lines to `out`; drop section labels."""
    if start < 0:
        return _take_date_lines(lines, out, "after-title")
    head = [l.text for l in lines[start:end]]
    is_notice = _is_upper(head[0]) and len(head) > 1
    out.title = recase_heading(" ".join(head), _body_head(lines[end:])) if is_notice else head[0]
    for line in lines[:start]:
        if is_date_line(line.text):
            out.date_lines.append((line.text, "before-title"))
        elif _PORTAL_LINE.match(line.text):
            out.source_lines.append(line.text)
        else:
            out.removed.append(line.text)    # section label ("Hoạt động của lãnh đạo tỉnh")
    rest = _take_date_lines(lines[end:], out, "after-title")
    if rest:
        rest[0].new_block = True
    return rest


def _body_head(lines: list[_Line]) -> str:
    """The lines joined by spaces, stopping once `_RECASE_BODY_CHARS` are reached."""
    texts, size = [], 0
    for line in lines:
        if size >= _RECASE_BODY_CHARS:
            break
        texts.append(line.text)
        size += len(line.text) + 1
    return " ".join(texts)


def _take_date_lines(lines: list[_Line], out: Cleaned, where: str) -> list[_Line]:
    """Move standalone date lines to out.date_lines, tagged with their position."""
    kept, taken = _split_off(lines, is_date_line)
    out.date_lines.extend((text, where) for text in taken)
    return kept


def _take_sources(lines: list[_Line], out: Cleaned) -> list[_Line]:
    """Move "Nguồn …" lines and "(Baohatinh.vn) - " lead prefixes to out.source_lines."""
    kept = []
    for line in lines:
        match = _LEAD_SOURCE.match(line.text)
        if match:
            out.source_lines.append(match.group(1) or match.group(2))
            line.text = line.text[match.end():]
        if _SOURCE_LINE.match(line.text) and len(line.text.split()) <= 12:
            out.source_lines.append(line.text)
        elif line.text:
            kept.append(line)
    return kept


def _take_notice_tail(lines: list[_Line], out: Cleaned) -> list[_Line]:
    """Move a notice's "Nơi nhận:" list and its signature block out of the text."""
    start = next((i for i in range(len(lines) - 1, -1, -1)
                  if _RECIPIENTS.match(lines[i].text)), -1)
    if start >= 0:
        end = start + 1
        while end < len(lines) and _LIST_ITEM.match(lines[end].text):
            end += 1
        out.recipients = "\n".join(l.text for l in lines[start:end])
        after = lines[end:]
        lines = lines[:start]
        sig_after = _signature_span(after)
        if sig_after < len(after):
            out.signature = "\n".join(l.text for l in after[sig_after:])
            lines += after[:sig_after]
        else:
            lines += after
    sig = _signature_span(lines)
    if sig < len(lines) and not out.signature:
        out.signature = "\n".join(l.text for l in lines[sig:])
        lines = lines[:sig]
    return lines


def _signature_span(lines: list[_Line]) -> int:
    """Start index of a trailing signature block, or len(lines) if there is none.

    A block of short lines at the end, at least one an upper-case position line
    ("PHÓ BÍ THƯ", "TM. ỦY BAN NHÂN DÂN"), others "kiêm", "(Đã ký)" or a name.
    """
    i = len(lines)
    has_position = False
    while i > 0:
        text = lines[i - 1].text
        if len(text) > _SIGNATURE_LINE_MAX or _SENTENCE_END.search(text):
            break
        if _is_upper(text) or _POSITION_WORD.search(text):
            has_position = has_position or bool(_POSITION_TITLE.search(text))
        elif not _is_name(text):
            break
        i -= 1
    return i if has_position else len(lines)


def _is_name(text: str) -> bool:
    """A short person-name line: 2–5 capitalised words, no punctuation but hyphens/dots."""
    words = text.replace("-", " ").split()
    return 2 <= len(words) <= 5 and all(_NAME_WORD.match(w) for w in words)


def _take_byline(lines: list[_Line], out: Cleaned) -> list[_Line]:
    """Move a trailing author line ("Trần Linh", "QUỐC TRINH") to out.byline."""
    if len(lines) < 2:
        return lines
    last = lines[-1].text
    if len(last) <= _BYLINE_MAX and (_is_name(last) or (_is_upper(last) and len(last.split()) <= 5)) \
            and not _SENTENCE_END.search(last):
        out.byline = last
        return lines[:-1]
    return lines


def _drop_repeats_and_captions(lines: list[_Line], out: Cleaned) -> list[_Line]:
    """Drop title repeats (and the photo caption right after each), a line repeating the
    line just before it, and lines that are clearly photo captions; keep everything else.

    Only adjacent repeats go: the same sentence further on can be real content.
    """
    title_key = out.title.casefold()
    kept: list[_Line] = []
    after_title_repeat = False
    for line in lines:
        key = line.text.casefold()
        previous = kept[-1].text.casefold() if kept else ""
        if (title_key and key == title_key) or (key == previous and len(key) >= _DEDUP_MIN_CHARS):
            out.removed.append(line.text)
            after_title_repeat = bool(title_key) and key == title_key
            continue
        if (after_title_repeat and len(line.text) <= 2 * _CAPTION_MAX) or is_caption(line.text):
            out.removed.append(line.text)
        else:
            kept.append(line)
        after_title_repeat = False
    return kept


def is_caption(text: str) -> bool:
    """A photo caption we are sure of: one short sentence naming who does what in the photo."""
    if len(text) > _CAPTION_MAX or _INNER_SENTENCE.search(text):
        return False
    return bool(_CAPTION_START.match(text) and _CAPTION_VERB.search(text)
                and not _SPEECH_VERB.search(text))


def _join_broken_lines(lines: list[_Line]) -> list[_Line]:
    """Join a sentence split across lines: first part without end punctuation, next lower-case.

    Linear: the parts of a joined line are collected and joined once, and whether it is
    upper case is combined from its parts instead of rescanning the growing text.
    """
    joined: list[_Line] = []
    parts: list[str] = []               # texts making up joined[-1]
    has_letter, no_lower = False, True  # _letter_case of joined[-1]
    for line in lines:
        text = line.text
        # An upper-case line is a heading or position ("PHÓ BÍ THƯ" / "kiêm"): not a break.
        if parts and parts[-1][-1].isalnum() and text[0].islower() and not (has_letter and no_lower):
            parts.append(text)
            letter, upper = _letter_case(text)
            has_letter, no_lower = has_letter or letter, no_lower and upper
            continue
        if len(parts) > 1:
            joined[-1].text = " ".join(parts)
        joined.append(line)
        parts = [text]
        has_letter, no_lower = _letter_case(text)
    if len(parts) > 1:
        joined[-1].text = " ".join(parts)
    return joined


def recase_heading(heading: str, body: str) -> str:
    """Sentence-case an upper-case heading, taking the casing of names from the body.

    Runs of two or more heading words that also occur in the body ("Dương Văn An - Phó
    Bí thư Tỉnh ủy") take the body's casing (at the run's first occurrence); other words
    are lower-cased. Time is linear in the body: one pass over its words finds the first
    occurrence of every run of heading words (see `_first_runs`).
    """
    words = heading.lower().split()
    keys = [_word_core(w)[1] for w in words]
    trie = _run_trie(keys)
    first = _first_runs(trie, body[:_RECASE_BODY_CHARS])
    i = 0
    while i < len(words):
        run = _longest_run(trie, keys, i, first)
        for k, cased in enumerate(run):
            pre, _, post = _word_core(words[i + k])
            words[i + k] = f"{pre}{cased}{post}"
        i += max(len(run), 1)
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def _word_core(word: str) -> tuple[str, str, str]:
    """(leading non-word characters, core, trailing non-word characters) of a word.

    Plain-code form of `^(\\W*)(.*?)(\\W*)$`, which is quadratic on a long punctuation run.
    """
    start, end = 0, len(word)
    while start < end and not (word[start].isalnum() or word[start] == "_"):
        start += 1
    while end > start and not (word[end - 1].isalnum() or word[end - 1] == "_"):
        end -= 1
    return word[:start], word[start:end], word[end:]


def _run_trie(keys: list[str]) -> dict:
    """Trie of every run keys[i:i+n] (n ≤ _RECASE_MAX_NGRAM, no empty key inside)."""
    trie: dict = {}
    for i in range(len(keys)):
        node = trie
        for key in keys[i:i + _RECASE_MAX_NGRAM]:
            if not key:
                break
            node = node.setdefault(key, {})
    return trie


def _first_runs(trie: dict, body: str) -> dict[int, tuple[str, ...]]:
    """For each trie node of depth ≥ 2 found in the body: the body's cased words at its
    first occurrence (keyed by id of the node). Stops early once every node is found."""
    wanted = _count_deep_nodes(trie)
    first: dict[int, tuple[str, ...]] = {}
    window: list[tuple[str, str]] = []      # (key, cased core) of the next body words
    words = _BODY_WORD.finditer(body)
    exhausted = False
    while wanted > len(first):
        while not exhausted and len(window) < _RECASE_MAX_NGRAM:
            m = next(words, None)
            if m is None:
                exhausted = True
            else:
                core = _word_core(m.group())[1]
                window.append((core.lower(), core))
        if not window:
            break
        node = trie
        for depth, (key, _) in enumerate(window, start=1):
            node = node.get(key)
            if node is None:
                break
            if depth >= 2 and id(node) not in first:
                first[id(node)] = tuple(core for _, core in window[:depth])
        del window[0]
    return first


def _count_deep_nodes(trie: dict, depth: int = 0) -> int:
    """Nodes below depth 1 (runs of two or more words)."""
    return sum((depth >= 1) + _count_deep_nodes(child, depth + 1) for child in trie.values())


def _longest_run(trie: dict, keys: list[str], i: int, first: dict[int, tuple[str, ...]]) -> tuple[str, ...]:
    """Body casing of the longest run keys[i:i+n] (n ≥ 2) that occurs in the body, else ()."""
    best: tuple[str, ...] = ()
    node = trie
    for key in keys[i:i + _RECASE_MAX_NGRAM]:
        node = node.get(key) if key else None
        if node is None:
            break
        best = first.get(id(node), best)
    return best

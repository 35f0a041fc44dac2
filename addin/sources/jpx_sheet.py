"""Streaming readers of the two ``.xlsx`` parts a JPX sheet needs: shared strings and the sheet.

Each reader gets expat's start/end/text events (tag names without their namespace) and keeps only
the cells that hold a value, within the row and column limits. Merged ranges are not read: a merged
cell holds its text in its first cell, and the layouts are read from there. Phonetic guides
(``<rPh>``, the furigana Japanese Excel stores beside a label) are left out of the text, as Excel
shows it.
"""

from __future__ import annotations

import re

from xlsxwriter.utility import xl_col_to_name

from addin.errors import LayoutChanged

_CELL = re.compile(r"\$?([A-Z]{1,3})\$?(\d{1,7})$")
_TEXT_TYPES = ("inlineStr", "str", "e", "d")


def cell_index(ref: str) -> tuple[int, int]:
    """``"D8"`` -> ``(8, 4)``: the 1-based row and column of an A1 reference.

    Raises:
        ValueError: not an A1 reference.
    """
    match = _CELL.match(ref.strip().upper())
    if not match:
        raise ValueError(f"not a cell reference: {ref[:12]!r}")
    column = 0
    for letter in match.group(1):
        column = column * 26 + ord(letter) - 64
    return int(match.group(2)), column


def column_letters(column: int) -> str:
    """``4`` -> ``"D"``: the letters of a 1-based column number."""
    return xl_col_to_name(column - 1)


class _TextReader:
    """Collects the text of ``<t>`` (or ``<v>``) elements, phonetic runs left out."""

    def __init__(self, name: str, limits) -> None:
        self.name, self.limits = name, limits
        self.parts: list[str] = []
        self.collecting = False
        self.phonetic = 0

    def text(self, data: str) -> None:
        if self.collecting and not self.phonetic:
            self.parts.append(data)

    def _element(self, tag: str, opening: bool) -> None:
        if tag == "rPh":
            self.phonetic += 1 if opening else -1

    def _taken(self) -> str:
        text, self.parts = "".join(self.parts), []
        return text


class StringsReader(_TextReader):
    """The shared-strings table (``xl/sharedStrings.xml``) as a list of texts."""

    def __init__(self, name: str, limits) -> None:
        super().__init__(name, limits)
        self.strings: list[str] = []

    def start(self, tag: str, attrs: dict) -> None:
        self._element(tag, True)
        if tag == "si":
            self.parts = []
        self.collecting = self.collecting or tag == "t"

    def end(self, tag: str) -> None:
        self._element(tag, False)
        if tag == "t":
            self.collecting = False
        elif tag == "si":
            if len(self.strings) >= self.limits.strings:
                raise LayoutChanged(f"JPX {self.name}: over {self.limits.strings} shared strings")
            self.strings.append(self._taken())

    def result(self) -> list[str]:
        return self.strings


class SheetReader(_TextReader):
    """One worksheet as rows of cells (``None`` = empty); a value beyond the limits is refused."""

    def __init__(self, name: str, strings: list[str], limits) -> None:
        super().__init__(name, limits)
        self.shared = strings
        self.cells: dict[tuple[int, int], object] = {}
        self.row = self.column = 0
        self.kind, self.has_value = "n", False

    def start(self, tag: str, attrs: dict) -> None:
        self._element(tag, True)
        if tag == "row":
            self.row, self.column = int(attrs.get("r") or self.row + 1), 0
        elif tag == "c":
            ref = attrs.get("r")
            self.row, self.column = cell_index(ref) if ref else (self.row, self.column + 1)
            self.kind, self.has_value, self.parts = attrs.get("t", "n"), False, []
        elif tag in ("v", "t"):
            self.collecting = True
        elif tag == "dimension":
            self._check(*cell_index(attrs.get("ref", "A1").split(":")[-1]), "declares")

    def end(self, tag: str) -> None:
        self._element(tag, False)
        if tag in ("v", "t"):
            self.collecting, self.has_value = False, True
        elif tag == "c" and self.has_value:
            self._check(self.row, self.column, "has")
            self.cells[self.row - 1, self.column - 1] = self._value(self._taken())

    def result(self) -> list[list]:
        height = 1 + max((row for row, _ in self.cells), default=-1)
        width = 1 + max((col for _, col in self.cells), default=-1)
        rows = [[None] * width for _ in range(height)]
        for (row, col), value in self.cells.items():
            rows[row][col] = value
        return rows

    def _check(self, row: int, column: int, verb: str) -> None:
        if row > self.limits.rows:
            raise LayoutChanged(f"JPX {self.name}: sheet {verb} row {row}, over {self.limits.rows}")
        if column > self.limits.columns:
            raise LayoutChanged(f"JPX {self.name}: sheet {verb} column {column_letters(column)}, "
                                f"over {column_letters(self.limits.columns)}")

    def _value(self, text: str):
        """A cell's value: a number (``int`` when whole), a text, or ``True``/``False``."""
        if self.kind == "s":
            return self.shared[int(text)]
        if self.kind in _TEXT_TYPES:
            return text
        if self.kind == "b":
            return text.strip() == "1"
        number = float(text)
        return int(number) if number.is_integer() and abs(number) < 2 ** 53 else number

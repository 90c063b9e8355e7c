"""A QR code drawn with half blocks (two modules a cell), for a phone's camera.

Dark modules are drawn black on white whatever the theme, with a quiet zone around them: a
scanner needs dark on light. The code is drawn only when the pane is wide enough and the
terminal tall enough to show it whole; otherwise one line says how much room it needs.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual import events
from textual.widgets import Static

QUIET_ZONE = 2  # modules of white around the code (the standard asks 4; 2 scans in practice)
SCREEN_MARGIN = 4  # rows the console keeps for its header, tabs and footer
CELL = {(True, True): "█", (True, False): "▀", (False, True): "▄", (False, False): " "}


def half_block_rows(data: str, quiet_zone: int = QUIET_ZONE) -> list[str]:
    """The QR code of `data`, two module rows per text row."""
    import segno  # lazy: the encoder is a sizeable import only a device-code run needs

    qr = segno.make_qr(data, error="l", boost_error=True)  # never a micro QR: phones skip them
    matrix: list[list[bool]] = [
        [bool(m) for m in row] for row in qr.matrix_iter(scale=1, border=quiet_zone)
    ]
    if len(matrix) % 2:
        matrix.append([False] * len(matrix[0]))
    return [
        "".join(_cells(top, bottom)) for top, bottom in zip(matrix[::2], matrix[1::2], strict=True)
    ]


def _cells(top: Iterable[bool], bottom: Iterable[bool]) -> Iterable[str]:
    return (CELL[pair] for pair in zip(top, bottom, strict=True))


class QrCode(Static):
    """`show(data)` draws the QR code of `data` when there is room; `show("")` hides it."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("", id=id, classes=classes)
        self.data = ""
        self.rows: list[str] = []
        self.drawn = False  # is the code on screen now (not just the note)?

    @property
    def needs(self) -> tuple[int, int]:
        """(columns, rows) the code takes."""
        return (len(self.rows[0]), len(self.rows)) if self.rows else (0, 0)

    def show(self, data: str) -> None:
        self.data = data
        self.rows = half_block_rows(data) if data else []
        self.display = bool(data)
        self.fit()

    def on_resize(self, event: events.Resize) -> None:
        self.fit()

    def fit(self) -> None:
        """Draw the code, or say what room it needs, for the size the widget has now."""
        if not self.rows:
            self.drawn = False
            self.update("")
            return
        columns, rows = self.needs
        room = self.size.width >= columns and self.app.size.height >= rows + SCREEN_MARGIN
        self.drawn = room
        if room:
            self.update(Text("\n".join(self.rows), style="#000000 on #ffffff", no_wrap=True))
        else:
            self.update(
                Text(
                    f"(a QR code of this address needs {columns}x{rows + SCREEN_MARGIN} "
                    "characters: make the terminal larger to scan it with a phone)",
                    style="dim",
                )
            )

"""The Doctor pane: the seed's whole checklist for the active profile, filling in step by
step as the core publishes each step, then the ranked causes; export the report (Markdown or
JSON) and copy the failing request as curl.

The pane does no network: Run, Export and Copy post messages; the screen runs the doctor and
calls `start`, `add_step`, `show_run`, `show_exported` back.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from tokenlab.core.diagnosis import STEP_KEYS, Step
from tokenlab.core.doctor import DoctorRun
from tokenlab.core.errors import Remedy, TokenlabError
from tokenlab.core.events import DoctorStepDone
from tokenlab.core.profiles import Profile
from tokenlab.ui.widgets.busy_line import BusyLine
from tokenlab.ui.widgets.marks import INDENT, causes_content, error_content, mark, remedy_line
from tokenlab.ui.widgets.pane_calls import until_mounted
from tokenlab.ui.widgets.scrolling_pane import ScrollingPane

INTRO = "d runs the seed's checklist: authority, token, its checks and the first API request."


def step_content(
    index: int,
    total: int,
    status: str,
    title: str,
    evidence: str,
    hint: str,
    remedy: Remedy | None,
) -> Content:
    lines = [Content.assemble((f"[{index}/{total}] ", "dim"), mark(status), " ", (title, "bold"))]
    lines += [Content.assemble(INDENT, text) for text in (evidence,) if text]
    lines += [Content.assemble(INDENT, (text, "italic")) for text in (hint,) if text]
    if remedy is not None:
        lines.append(remedy_line(remedy))
    return Content("\n").join(lines)


def summary_content(steps: tuple[Step, ...], api_ok: bool) -> Content:
    counts = {s: sum(step.status == s for step in steps) for s in ("pass", "warn", "fail", "skip")}
    said = ", ".join(f"{n} {name}" for name, n in counts.items() if n)
    if api_ok:
        return Content.assemble(mark("pass"), " the first API request returned HTTP 200 · ", said)
    return Content.assemble(mark("fail"), " the API did not answer 200 · ", said)


class DoctorPane(ScrollingPane):
    """The checklist of one doctor run, live, then its ranked causes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("d", "run", "Run doctor"),
        Binding("enter", "run", "Run doctor", show=False),
        Binding("e", "export('markdown')", "Export Markdown"),
        Binding("E", "export('json')", "Export JSON"),
        Binding("c", "copy_curl", "Copy as curl"),
        Binding("s", "share", "Share bundle"),
    ]

    class RunRequested(Message):
        pass

    class ExportRequested(Message):
        def __init__(self, fmt: str) -> None:
            super().__init__()
            self.fmt = fmt  # "markdown" | "json"

    class CopyCurlRequested(Message):
        pass

    class ShareRequested(Message):
        """Write the run as a bundle safe for a support ticket (the screen asks for a name)."""

    def __init__(
        self,
        now: Callable[[], float] = time.monotonic,
        *,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.now = now
        self.profile: Profile | None = None
        self.run: DoctorRun | None = None

    def compose(self) -> ComposeResult:
        yield Static(INTRO, id="doctor-profile")
        yield BusyLine(self.now, id="doctor-busy")
        yield Static(id="doctor-summary")
        yield Vertical(id="doctor-steps")
        yield Static(id="doctor-causes")
        yield Static(id="doctor-exported")
        yield Static(id="doctor-notice")

    def on_mount(self) -> None:
        for widget_id in ("doctor-summary", "doctor-causes", "doctor-exported", "doctor-notice"):
            self.query_one(f"#{widget_id}").display = False

    # -- calls from the screen -------------------------------------------------------------

    @until_mounted
    def show_profile(self, profile: Profile | None) -> None:
        self.profile = profile
        intro = self.query_one("#doctor-profile", Static)
        if profile is None:
            intro.update("No profile selected: pick one, then press d to run the doctor.")
            return
        intro.update(
            Content.assemble(
                ("Doctor ", "bold"),
                f"{profile.name} ({profile.scenario}) · ",
                INTRO,
            )
        )

    @until_mounted
    def start(self) -> None:
        """A new run: the old checklist goes, "running" shows until `show_run`."""
        self.run = None
        self.query_one("#doctor-steps", Vertical).remove_children()
        for widget_id in ("doctor-summary", "doctor-causes", "doctor-exported", "doctor-notice"):
            self.query_one(f"#{widget_id}").display = False
        self.query_one(BusyLine).start(f"running the checklist (0 of {len(STEP_KEYS)} steps)")

    @until_mounted
    def add_step(self, event: DoctorStepDone) -> None:
        """One step as soon as the core knows it."""
        busy = self.query_one(BusyLine)
        if busy.busy:
            busy.relabel(f"running the checklist ({event.index} of {event.total} steps)")
        self._put_step(
            event.key,
            step_content(
                event.index,
                event.total,
                event.status,
                event.title,
                event.evidence,
                event.hint,
                event.remedy,
            ),
            event.status,
        )

    @until_mounted
    def show_run(self, run: DoctorRun) -> None:
        """The finished run: every step as the diagnosis has it, and the ranked causes."""
        self.run = run
        self.query_one(BusyLine).stop()
        steps = run.diagnosis.steps
        for index, step in enumerate(steps, 1):
            content = step_content(
                index, len(steps), step.status, step.title, step.evidence, step.hint, step.remedy
            )
            self._put_step(step.key, content, step.status)
        self._show("doctor-summary", summary_content(steps, run.diagnosis.api_ok))
        self._show("doctor-causes", causes_content(run.diagnosis.causes))

    @until_mounted
    def show_exported(self, path: str) -> None:
        self._show("doctor-exported", Content.assemble(("Report written to ", "bold"), path))

    @until_mounted
    def show_error(self, error: TokenlabError) -> None:
        self.query_one(BusyLine).stop()
        self._show("doctor-notice", error_content(error))

    # -- actions ---------------------------------------------------------------------------

    def action_run(self) -> None:
        self.post_message(self.RunRequested())

    def action_export(self, fmt: str) -> None:
        if self.run is None:
            self._show(
                "doctor-notice", Content("Nothing to export yet: press d to run the doctor.")
            )
            return
        self.post_message(self.ExportRequested(fmt))

    def action_share(self) -> None:
        if self.run is None:
            self._show("doctor-notice", Content("Nothing to share yet: press d to run the doctor."))
            return
        self.post_message(self.ShareRequested())

    @until_mounted
    def show_shared(self, path: str) -> None:
        self._show("doctor-exported", Content.assemble(("Share bundle written to ", "bold"), path))

    def action_copy_curl(self) -> None:
        if self.run is None:
            self._show(
                "doctor-notice", Content("No request to copy yet: press d to run the doctor.")
            )
            return
        self.post_message(self.CopyCurlRequested())

    # -- helpers ---------------------------------------------------------------------------

    def _show(self, widget_id: str, content: Content) -> None:
        static = self.query_one(f"#{widget_id}", Static)
        static.update(content)
        static.display = bool(content.plain)

    def _put_step(self, key: str, content: Content, status: str) -> None:
        steps = self.query_one("#doctor-steps", Vertical)
        found = steps.query(f"#step-{key}")
        line = found.first(Static) if found else Static(id=f"step-{key}")
        line.update(content)
        line.set_classes(f"doctor-step -{status}")
        if not found:
            steps.mount(line)

"""What the console does when a pane asks (or the palette does): start the run, compare, copy,
export. Each run goes to the main screen's exclusive worker of the pane it concerns.

Kept apart from the screen so the screen only routes; this holds no protocol logic either: it
calls the core (through ui/runs.py) and hands the results back to the panes.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING

from tokenlab.core.errors import Remedy, TokenlabError
from tokenlab.core.events import Bus
from tokenlab.core.reference_tokens import PREFIX as REFERENCE_PREFIX
from tokenlab.core.storage import write_private_file
from tokenlab.ui import runs
from tokenlab.ui.remedies import render_remedy
from tokenlab.ui.session_runs import SESSION_FLOWS, end_session

if TYPE_CHECKING:
    from tokenlab.core.doctor import DoctorRun
    from tokenlab.core.profiles import Profile
    from tokenlab.core.token_set import FlowResult
    from tokenlab.ui.screens.app_card import AppCardScreen
    from tokenlab.ui.screens.main import MainScreen

Request = tuple[str, str, tuple[tuple[str, str], ...]]
REPORT_SUFFIX = {"markdown": "md", "json": "json"}


def share_name_problem(name: str) -> str:
    """A file name in the reports directory, ending in .md or .json ("" when it is fine)."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return "a file name, without a directory (it goes in the reports directory)"
    if Path(name).suffix.lower() not in (".md", ".json"):
        return "end the name with .md (Markdown) or .json"
    return ""


def console_words(hint: str, remedy: Remedy | None) -> str:
    """A report's hint with its remedy in this console's words."""
    words = render_remedy(remedy)
    return f"{hint}; next: {words}" if hint and words else hint or words


def reports_dir() -> Path:
    """Where an exported report goes: the data dir when one is set, else the current directory."""
    data = os.environ.get("TOKENLAB_DATA_DIR")
    return Path(data).expanduser() / "reports" if data else Path.cwd()


class ConsoleActions:
    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        # profile -> (admin profile, entity) of its last Trusted Application check: the
        # doctor then reads the registration too, and its causes say what it says
        self.admin_of: dict[str, tuple[str, str]] = {}

    def _profile(self) -> Profile | None:
        if self.screen.active is None:
            self.screen.app.notify(
                "no profile: add one in the Profiles pane (6)", severity="warning"
            )
        return self.screen.active

    def _error(self, pane: str, error: TokenlabError) -> None:
        from tokenlab.ui.messages import RunErrored

        self.screen.post_message(RunErrored(pane, error))

    # --- runs -------------------------------------------------------------------------------

    def run_flow(self, flow: str | None = None, finish: str | None = None) -> None:
        profile = self._profile()
        if profile is None:
            return
        s, bus = self.screen, Bus()
        if flow in SESSION_FLOWS:  # revoke, sign out: the session's steps, not a token flow
            held = s.result.api_token if s.result else None
            s.flow_worker(
                lambda: end_session(
                    profile, held, action=flow, secrets=s.secrets, bus=bus, cache=s.cache
                ),
                bus,
            )
            return
        options = runs.flow_options(finish, s.inbox)
        s.flow_worker(
            lambda: runs.get_token(
                profile, secrets=s.secrets, bus=bus, cache=s.cache, flow=flow, options=options
            ),
            bus,
        )

    def cancel(self, pane: str) -> None:
        """Escape: stop the run of `pane` (and a flow, wherever it was asked from)."""
        s = self.screen
        stopped = s.workers.cancel_group(s, pane) + s.workers.cancel_group(s, "flow")
        if stopped:
            s.app.notify("cancelled")

    def refresh(self) -> None:
        profile = self._profile()
        if profile is None:
            return
        s, bus = self.screen, Bus()
        held = s.result.api_token.refresh_token if s.result else None
        options = runs.flow_options(None, s.inbox, refresh_token=held)
        s.token_worker(
            lambda: runs.get_token(
                profile, secrets=s.secrets, bus=bus, cache=s.cache, flow="refresh", options=options
            ),
            bus,
        )

    def verify(self, which: str) -> None:
        profile = self._profile()
        token = self._token(which)
        if profile is None or token is None:
            return
        s = self.screen
        s.token_worker(
            lambda: runs.verify(profile, token, which, secrets=s.secrets, cache=s.cache), Bus()
        )

    def _token(self, which: str) -> str | None:
        s = self.screen
        token = None
        if which == "pasted":
            token = s.pasted or None
        elif s.result is not None:
            token = (
                s.result.api_token.access_token if which != "id" else s.result.api_token.id_token
            )
        if token is None:
            self._error(
                "token",
                TokenlabError(f"no {which} token to check", "get a token first: Flow pane (2)"),
            )
        return token

    def probe(self, request: Request, *, count: int = 1) -> None:
        profile = self._profile()
        if profile is None:
            return
        s, bus = self.screen, Bus()
        held = s.result.api_token if s.result else None
        s.probe_worker(
            lambda: runs.send_probe(
                profile, held, request, secrets=s.secrets, bus=bus, cache=s.cache, count=count
            ),
            bus,
        )

    def what_if(self, request: Request) -> None:
        profile = self._profile()
        if profile is None:
            return
        s, bus = self.screen, Bus()
        held = s.result.api_token if s.result else None
        s.probe_worker(
            lambda: runs.replay_what_if(
                profile, held, request, secrets=s.secrets, bus=bus, cache=s.cache
            ),
            bus,
        )

    def doctor(self) -> None:
        profile = self._profile()
        if profile is None:
            return
        s, bus = self.screen, Bus()
        options = runs.flow_options(None, s.inbox)
        admin_name, entity = self.admin_of.get(profile.name, ("", ""))
        admin = next((p for p in s.profiles if p.name == admin_name), None)
        s.doctor_worker(
            lambda: runs.doctor(
                profile, secrets=s.secrets, bus=bus, options=options, admin=admin, entity=entity
            ),
            bus,
        )

    # --- the Trusted Application -------------------------------------------------------------

    def app_card(self, name: str) -> None:
        """Open the card of profile `name` (built here: no network), with the other profiles
        offered as the administrator for the check."""
        from tokenlab.core.trusted_app import build_card
        from tokenlab.ui.screens.app_card import AppCardScreen

        s = self.screen
        profile = next((p for p in s.profiles if p.name == name), None)
        if profile is None:
            return
        try:
            card = build_card(profile, s.secrets)
        except TokenlabError as exc:
            s.app.notify(f"{exc.message}: {exc.hint}", severity="warning", markup=False)
            return
        admins = [p.name for p in s.profiles if p.name != name]
        s.app.push_screen(AppCardScreen(card, admins, s))

    def app_check(self, card_screen: AppCardScreen, profile: str, admin: str, entity: str) -> None:
        """Read the registration as `admin` in the screen's worker; the card screen shows it.

        The admin's flow runs on a bus of its own: its token is not the console's token."""
        s = self.screen
        by_name = {p.name: p for p in s.profiles}
        if profile not in by_name or admin not in by_name:
            return
        self.admin_of[profile] = (admin, entity)

        async def check() -> None:
            from tokenlab.core.trusted_app import build_card, compare
            from tokenlab.core.trusted_app.fetch import fetch_registration

            try:
                card = build_card(by_name[profile], s.secrets)
                registration = await fetch_registration(
                    by_name[admin], card.client_id, secrets=s.secrets, bus=Bus(), entity=entity
                )
            except TokenlabError as exc:
                card_screen.show_error(exc)
                return
            except Exception as exc:  # noqa: BLE001 - a bug must not take the console down
                bug = f"unexpected {type(exc).__name__}: {exc}"
                card_screen.show_error(TokenlabError(bug, "this is a bug in tokenlab"))
                return
            card_screen.show_check(compare(card, registration, entity=entity, admin_profile=admin))

        s.run_worker(check(), exclusive=True, group="app-check")

    # --- results ----------------------------------------------------------------------------

    def token_ready(self, profile: Profile, result: FlowResult) -> None:
        s = self.screen
        if s.active is None or profile.name != s.active.name:
            return  # the profile changed while the run ran
        if s.result is not None:
            s.previous_access = s.result.api_token.access_token
        s.result = result
        token = result.api_token
        s.token_pane.show_result(result)
        now = s.now()
        s.token_pane.show_report(
            runs.offline_report(profile, token.access_token, "access", now), "access"
        )
        if token.id_token:
            s.token_pane.show_report(runs.offline_report(profile, token.id_token, "id", now), "id")
        s.header_bar.show_token(True, token.expires_at)
        s.app.notify("token issued: see the Token pane (3)", title=profile.name, markup=False)

    def compare(self) -> None:
        from tokenlab.core.inspection.compare import diff_tokens

        s = self.screen
        if not s.previous_access or s.result is None:
            self._error(
                "token",
                TokenlabError(
                    "no previous token to compare with",
                    "get a second token first (refresh, or run the flow again)",
                ),
            )
            return
        try:
            diff = diff_tokens(s.previous_access, s.result.api_token.access_token)
        except TokenlabError as exc:
            self._error("token", exc)
            return
        s.token_pane.show_comparison(diff)

    def pasted(self, text: str) -> None:
        s = self.screen
        profile = s.active
        try:
            if profile is None:
                from tokenlab.core.inspection.decode import decode_token
                from tokenlab.core.inspection.token_report import check_token

                report = check_token(decode_token(text))
            else:
                report = runs.offline_report(profile, text, "pasted", s.now())
        except TokenlabError as exc:
            self._error("token", exc)
            return
        s.pasted = text
        s.token_pane.show_report(report, "pasted")

    # --- copy and export --------------------------------------------------------------------

    def copy(self, text: str, what: str) -> None:
        app = self.screen.app
        if text.strip().startswith(REFERENCE_PREFIX):  # a stored secret: never copied
            app.notify(
                f"not copied: the {what} is a reference token", severity="warning", markup=False
            )
            return
        app.copy_to_clipboard(text)  # OSC 52: works over SSH in most terminals
        app.notify(
            f"copied the {what} to the clipboard; if your terminal ignores that, "
            "select it by hand where the pane shows it",
            markup=False,
        )

    def copy_token(self) -> None:
        s = self.screen
        token = s.result.api_token if s.result else None
        if token is None or token.token_type == "reference":
            s.app.notify("no token to copy (a reference token is never copied)", severity="warning")
            return
        self.copy(token.access_token, "access token")

    def _doctor_run(self, verb: str) -> DoctorRun | None:
        """The last doctor run, or None after saying there is none to `verb`."""
        run = self.screen.doctor_run
        if run is None:
            self._error(
                "doctor",
                TokenlabError(f"no doctor run to {verb}", "run the doctor first: Doctor pane (5)"),
            )
        return run

    def export(self, fmt: str) -> None:
        from tokenlab.core.report import render, report_json

        s = self.screen
        run = self._doctor_run("export")
        if run is None:
            return
        text = render(report_json(run, s.secrets.redactor), fmt, s.secrets.redactor, console_words)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = (
            reports_dir()
            / f"tokenlab-doctor-{run.facts.profile.name}-{stamp}.{REPORT_SUFFIX.get(fmt, 'txt')}"
        )
        try:
            write_private_file(path, text)
        except (OSError, TokenlabError) as exc:
            self._error(
                "doctor",
                TokenlabError(f"cannot write {path}: {exc}", "check the directory's permissions"),
            )
            return
        s.doctor_pane.show_exported(str(path))
        s.app.notify(f"report written to {path}", markup=False)

    def share(self) -> None:
        """Ask for the bundle's file name (in the reports directory), then write it."""
        from tokenlab.ui.screens.name_prompt import NamePromptScreen

        s = self.screen
        run = self._doctor_run("share")
        if run is None:
            return
        stamp = time.strftime("%Y%m%d-%H%M%S")
        suggestion = f"tokenlab-share-{run.facts.profile.name}-{stamp}.md"

        def named(name: str | None) -> None:
            if name:
                self._write_share(run, reports_dir() / name)

        prompt = NamePromptScreen(
            f"Write the share bundle (.md or .json) in {reports_dir()} as:",
            suggestion,
            frozenset(),
            check=share_name_problem,
        )
        s.app.push_screen(prompt, named)

    def _write_share(self, run: DoctorRun, path: Path) -> None:
        from tokenlab.core.share import share_bundle, share_text

        s = self.screen
        fmt = "json" if path.suffix.lower() == ".json" else "md"
        bundle = share_bundle(run, s.secrets.redactor)
        try:
            write_private_file(path, share_text(bundle, fmt, s.secrets.redactor, console_words))
        except (OSError, TokenlabError) as exc:
            self._error(
                "doctor",
                TokenlabError(f"cannot write {path}: {exc}", "check the directory's permissions"),
            )
            return
        s.doctor_pane.show_shared(str(path))
        s.app.notify(f"share bundle written to {path}", markup=False)

    def copy_curl(self) -> None:
        """The failing request as curl (secrets as shell variables): the token request when no
        token came, else the probe."""
        from tokenlab.core.curl import probe_curl
        from tokenlab.core.probing import probe_url
        from tokenlab.core.report import report_json

        s = self.screen
        run, profile = s.doctor_run, s.active
        if run is not None:
            curl = report_json(run, s.secrets.redactor)["curl"]
            command = curl.get("token_request") if run.facts.flow is None else None
            command = command or curl.get("probe") or next(iter(curl.values()), "")
        elif profile is not None:
            command = probe_curl(
                probe_url(profile), method=profile.probe.method, headers=profile.probe.headers
            )
        else:
            command = ""
        if not command:
            self._error("doctor", TokenlabError("no request to copy", "run the doctor first"))
            return
        self.copy(str(command), "request as curl")

"""The command palette's tokenlab entries: every action of the console, and one entry per
profile and per pane. Built from the main screen each time the palette opens."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tokenlab.ui.screens.main import PANES, MainScreen

Entry = tuple[str, str, Callable[[], object]]  # title, help, what it does


def entries(screen: MainScreen) -> list[Entry]:
    act = screen.actions
    out: list[Entry] = [
        ("Run flow", "get a token for the active profile (Flow pane)", act.run_flow),
        (
            "Run flow by device code",
            "sign in on another device",
            partial(act.run_flow, None, "device"),
        ),
        ("Revoke tokens", "revoke the tokens of the last run", partial(act.run_flow, "revoke")),
        (
            "Sign out",
            "revoke the tokens, and the address that ends the browser session",
            partial(act.run_flow, "sign-out"),
        ),
        (
            "Cancel run",
            "stop the run of the current pane, and any flow",
            partial(act.cancel, "flow"),
        ),
        ("Run doctor", "the whole checklist for the active profile", act.doctor),
        ("Run fleet", "the doctor on every profile at once (Fleet pane)", screen.fleet.run_all),
        (
            "Send probe",
            "call the API with the current (or a fresh) token",
            screen.send_default_probe,
        ),
        (
            "Start/stop watch",
            "probe the API on an interval, keep the token fresh (Watch pane)",
            screen.toggle_watch,
        ),
        ("Re-check authority", "discovery, keys, clock skew", screen.recheck_authority),
        ("Verify token", "the signature with the authority's keys", partial(act.verify, "access")),
        ("Refresh token", "use the refresh token", act.refresh),
        ("Compare tokens", "the current token with the previous one", act.compare),
        (
            "Copy token",
            "the access token, to the clipboard (never a reference token)",
            act.copy_token,
        ),
        (
            "Export report (Markdown)",
            "the last doctor run, to a file",
            partial(act.export, "markdown"),
        ),
        ("Export report (JSON)", "the last doctor run, to a file", partial(act.export, "json")),
        ("Copy failing request as curl", "secrets as shell variables", act.copy_curl),
        ("Add profile", "open the profile form", screen.profile_actions.add),
        ("Reload profiles", "read the profile files again", screen.action_reload),
        ("Toggle profiles list", "show or hide the sidebar", screen.action_toggle_sidebar),
        ("Theme", "choose the console's colours", screen.app.action_change_theme),
        ("Help: keys", "every binding, grouped", screen.action_help),
    ]
    out += [
        (f"Show pane: {p.title}", f"key {p.key}", partial(screen.action_show_pane, p.name))
        for p in PANES
    ]
    out += [
        (f"Switch profile: {p.name}", p.scenario, partial(screen.activate, p.name))
        for p in screen.profiles
    ]
    return out


class ConsoleCommands(Provider):
    def _entries(self) -> list[Entry]:
        screen = self.screen
        return entries(screen) if isinstance(screen, MainScreen) else []

    async def discover(self) -> Hits:
        for title, help_text, run in self._entries():
            yield DiscoveryHit(title, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, run in self._entries():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), run, text=title, help=help_text)

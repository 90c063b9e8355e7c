"""The main screen's answers to the panes' requests (`on_<pane>_<message>`): each starts a run
in the pane's worker, or copies, compares or exports, through ConsoleActions and ProfileActions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tokenlab.core.authority import AuthorityCache
from tokenlab.ui.screens.console_base import ConsoleScreen

if TYPE_CHECKING:  # the panes load when they are mounted (the messages name them only)
    # the app card's module loads the trusted-app checks: on its first use
    from tokenlab.ui.screens.app_card import AppCardScreen
    from tokenlab.ui.widgets.authority_pane import AuthorityPane
    from tokenlab.ui.widgets.doctor_pane import DoctorPane
    from tokenlab.ui.widgets.flow_pane import FlowPane
    from tokenlab.ui.widgets.probe_pane import ProbePane
    from tokenlab.ui.widgets.profiles_pane import ProfilesPane
    from tokenlab.ui.widgets.token_pane import TokenPane


class PaneRequests(ConsoleScreen):
    def recheck_authority(self) -> None:
        if self.active is not None:
            self.cache = AuthorityCache()  # a re-check asks the server again
            self.check_authority(self.active)

    def send_default_probe(self) -> None:
        """The palette's probe: the profile's own request."""
        if self.active is not None:
            probe = self.active.probe
            self.actions.probe((probe.method, probe.path, probe.headers))

    def on_authority_pane_recheck_requested(self, message: AuthorityPane.RecheckRequested) -> None:
        self.recheck_authority()

    # --- Flow -------------------------------------------------------------------------------

    def on_flow_pane_run_requested(self, message: FlowPane.RunRequested) -> None:
        self.actions.run_flow(message.flow, message.finish)

    def on_flow_pane_cancel_requested(self, message: FlowPane.CancelRequested) -> None:
        self.actions.cancel("flow")

    def on_flow_pane_paste_submitted(self, message: FlowPane.PasteSubmitted) -> None:
        if not self.inbox.submit(message.text):
            self.app.notify("no run is waiting for a pasted URL", severity="warning")

    def on_flow_pane_copy_requested(self, message: FlowPane.CopyRequested) -> None:
        self.actions.copy(message.text, message.what)

    # --- Token ------------------------------------------------------------------------------

    def on_token_pane_copy_requested(self, message: TokenPane.CopyRequested) -> None:
        self.actions.copy(message.text, message.what)

    def on_token_pane_verify_requested(self, message: TokenPane.VerifyRequested) -> None:
        self.actions.verify(message.which)

    def on_token_pane_refresh_requested(self, message: TokenPane.RefreshRequested) -> None:
        self.actions.refresh()

    def on_token_pane_compare_requested(self, message: TokenPane.CompareRequested) -> None:
        self.actions.compare()

    def on_token_pane_token_pasted(self, message: TokenPane.TokenPasted) -> None:
        self.actions.pasted(message.text)

    # --- Probe and Doctor -------------------------------------------------------------------

    def on_probe_pane_send_requested(self, message: ProbePane.SendRequested) -> None:
        self.actions.probe((message.method, message.path, message.headers))

    def on_probe_pane_repeat_requested(self, message: ProbePane.RepeatRequested) -> None:
        self.actions.probe((message.method, message.path, message.headers), count=message.count)

    def on_probe_pane_what_if_requested(self, message: ProbePane.WhatIfRequested) -> None:
        self.actions.what_if((message.method, message.path, message.headers))

    def on_doctor_pane_run_requested(self, message: DoctorPane.RunRequested) -> None:
        self.actions.doctor()

    def on_doctor_pane_export_requested(self, message: DoctorPane.ExportRequested) -> None:
        self.actions.export(message.fmt)

    def on_doctor_pane_share_requested(self, message: DoctorPane.ShareRequested) -> None:
        self.actions.share()

    def on_doctor_pane_copy_curl_requested(self, message: DoctorPane.CopyCurlRequested) -> None:
        self.actions.copy_curl()

    # --- Profiles ---------------------------------------------------------------------------

    def on_profiles_pane_add_requested(self, message: ProfilesPane.AddRequested) -> None:
        self.profile_actions.add()

    def on_profiles_pane_edit_requested(self, message: ProfilesPane.EditRequested) -> None:
        self.profile_actions.edit(message.name)

    def on_profiles_pane_copy_requested(self, message: ProfilesPane.CopyRequested) -> None:
        self.profile_actions.copy(message.name)

    def on_profiles_pane_rename_requested(self, message: ProfilesPane.RenameRequested) -> None:
        self.profile_actions.rename(message.name)

    def on_profiles_pane_delete_requested(self, message: ProfilesPane.DeleteRequested) -> None:
        self.profile_actions.delete(message.name)

    def on_profiles_pane_app_card_requested(self, message: ProfilesPane.AppCardRequested) -> None:
        self.actions.app_card(message.name)

    def on_app_card_screen_copy_requested(self, message: AppCardScreen.CopyRequested) -> None:
        self.actions.copy(message.text, message.what)

    def on_app_card_screen_check_requested(self, message: AppCardScreen.CheckRequested) -> None:
        self.actions.app_check(message.screen, message.profile, message.admin, message.entity)

"""The main screen's routing of runs: each bridge message (a run's live event) and each
finished result goes to the pane it concerns, by calling that pane's public methods; notices and
failures also become toasts. No pane reaches into another: they post up, this calls down.
"""

from __future__ import annotations

from tokenlab.core.events import FlowFailed, Notice, UserActionRequired
from tokenlab.ui import toasts
from tokenlab.ui.messages import (
    AuthorityChecked,
    DoctorFinished,
    DoctorStepReported,
    ExchangeRecorded,
    NoticeShown,
    OtherEventArrived,
    ProbeAnswered,
    RepeatAnswered,
    RunErrored,
    RunFailed,
    RunFinished,
    RunStarted,
    SessionEnded,
    SubscriberBroke,
    TokenChecked,
    TokenReady,
    TokenReceived,
    UserActionNeeded,
    WhatIfAnswered,
)
from tokenlab.ui.screens.console_base import ConsoleScreen

# Which pane a notice concerns (Notice.topic); a pane without add_notice gets only the toast.
NOTICE_PANE = {"authority": "authority", "flow": "flow", "secrets": "profiles", "token": "token"}
NOTICE_PANE |= {"probe": "probe", "": "flow"}
SIGN_OUT_WORDS = "the identity service's session ends when you open this address and confirm"


class RunRouting(ConsoleScreen):
    def toast_failure(self, failure: FlowFailed) -> None:
        self.app.notify(
            toasts.failure_toast(failure),
            title="failed",
            severity="error",
            timeout=15,
            markup=False,
        )

    # --- a run's live events (from the bridge) ----------------------------------------------

    def on_run_started(self, message: RunStarted) -> None:
        self.flow_pane.run_started(message.event)

    def on_exchange_recorded(self, message: ExchangeRecorded) -> None:
        self.flow_pane.add_exchange(message.event)

    def on_user_action_needed(self, message: UserActionNeeded) -> None:
        self.flow_pane.show_user_action(message.event)
        self.action_show_pane("flow")
        self.app.notify(
            toasts.user_action_toast(message.event), title="your turn", timeout=30, markup=False
        )

    def on_notice_shown(self, message: NoticeShown) -> None:
        notice = message.event
        pane = self.pane(NOTICE_PANE.get(notice.topic, "flow"))
        add_notice = getattr(pane, "add_notice", None)
        if add_notice is not None:
            add_notice(notice)
        self.app.notify(
            toasts.notice_toast(notice),
            title=notice.topic or "note",
            severity="warning" if notice.level == "warning" else "information",
            timeout=10,
            markup=False,
        )

    def on_token_received(self, message: TokenReceived) -> None:
        self.flow_pane.token_issued(message.event)

    def on_run_failed(self, message: RunFailed) -> None:
        failure = message.event
        self.flow_failure_shown = True
        self.flow_pane.run_failed(failure)
        if not failure.cancelled:  # a cancel was asked for: no alarm
            self.toast_failure(failure)

    def on_run_finished(self, message: RunFinished) -> None:
        self.flow_pane.run_finished(message.event.ok)

    def on_doctor_step_reported(self, message: DoctorStepReported) -> None:
        self.doctor_pane.add_step(message.event)

    def on_subscriber_broke(self, message: SubscriberBroke) -> None:
        self.app.notify(toasts.subscriber_toast(message.event), severity="warning", markup=False)

    def on_other_event_arrived(self, message: OtherEventArrived) -> None:
        self.flow_pane.add_notice(
            Notice(
                run_id=message.run_id,
                level="info",
                message=toasts.other_event_toast(message.event),
            )
        )

    # --- finished runs (from the workers) ---------------------------------------------------

    def on_authority_checked(self, message: AuthorityChecked) -> None:
        if self.active is not None and message.profile.name == self.active.name:
            self.authority_pane.show_report(message.report)

    def on_token_ready(self, message: TokenReady) -> None:
        self.actions.token_ready(message.profile, message.result)

    def on_token_checked(self, message: TokenChecked) -> None:
        self.token_pane.show_report(message.report, message.which)

    def on_probe_answered(self, message: ProbeAnswered) -> None:
        self.probe_pane.show_result(message.result)

    def on_what_if_answered(self, message: WhatIfAnswered) -> None:
        self.probe_pane.show_what_if(message.result)

    def on_repeat_answered(self, message: RepeatAnswered) -> None:
        self.probe_pane.show_repeat(message.result)

    def on_doctor_finished(self, message: DoctorFinished) -> None:
        self.doctor_run = message.run
        self.doctor_pane.show_run(message.run)
        ok = message.run.diagnosis.api_ok
        self.app.notify(
            "the API answered 200" if ok else "the API did not answer 200: see the checklist",
            title=message.profile.name,
            severity="information" if ok else "error",
            markup=False,
        )

    def on_session_ended(self, message: SessionEnded) -> None:
        """Revoked tokens are no longer the console's; sign out shows where to end the session."""
        active = self.active.name if self.active is not None else ""
        if message.revoked and message.profile.name == active:
            self.result = None
            self.header_bar.show_token(False, None)
        if message.url:
            self.flow_pane.show_user_action(
                UserActionRequired(
                    run_id="", action="end-session", message=SIGN_OUT_WORDS, url=message.url
                )
            )
        done = "signed out" if message.action == "sign-out" else "revoked"
        self.app.notify(f"{done}: see the Flow pane (2)", title=message.profile.name)

    def on_run_errored(self, message: RunErrored) -> None:
        error = message.error
        failure = FlowFailed(run_id="", message=error.message, hint=error.hint, remedy=error.remedy)
        if message.pane == "flow":  # the flow said so on the bus, unless it never started
            if not self.flow_failure_shown:
                self.flow_pane.run_failed(failure)
            return
        show_error = getattr(self.pane(message.pane), "show_error", None)
        if show_error is not None:
            show_error(error)
        self.toast_failure(failure)

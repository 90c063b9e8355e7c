"""Starting the console: the one place the CLI reaches into Textual."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tokenlab.commands.context import CommandContext


def run_console(ctx: CommandContext, *, title: str = "", sandbox_url: str = "") -> int:
    from tokenlab.ui.app import TokenlabApp

    app = TokenlabApp(
        profiles=ctx.profiles, secrets=ctx.secrets, sandbox_url=sandbox_url, subtitle=title
    )
    app.run()
    return app.return_code or 0

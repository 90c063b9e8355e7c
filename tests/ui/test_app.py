from __future__ import annotations

from textual.widgets import DataTable

from tests.ui.console_pilot import toasts
from tokenlab.core.profiles import ProfileStore, new_profile
from tokenlab.core.secrets import SecretStore
from tokenlab.ui.app import ProfileDetail, TokenlabApp


async def test_console_lists_profiles_and_shows_the_highlighted_one() -> None:
    store = ProfileStore()
    store.create(
        new_profile("acme", "https://acme.my.erp.net", "service-app", client_id="com.acme/svc")
    )
    store.create(new_profile("beta", "https://beta.my.erp.net", "spa", client_id="com.beta/spa"))
    app = TokenlabApp(profiles=store, secrets=SecretStore(env={}))
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(DataTable)
        assert table.row_count == 2
        detail = app.query_one(ProfileDetail)
        assert "com.acme/svc" in str(detail.render())
        await pilot.press("down")
        assert "com.beta/spa" in str(detail.render())
        await pilot.press("q")
    assert app.return_code in (0, None)


async def test_console_reports_an_unreadable_profile_as_a_notification() -> None:
    store = ProfileStore()
    store.create(
        new_profile("acme", "https://acme.my.erp.net", "service-app", client_id="com.acme/svc")
    )
    (store.dir / "broken.toml").write_text("schema = [")
    app = TokenlabApp(profiles=store, secrets=SecretStore(env={}))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.pause()
        assert app.query_one(DataTable).row_count == 1
        assert any(t.severity == "warning" and "broken.toml" in t.text for t in toasts(app))

"""Tiny HTML pages: sign-in, errors, form_post, device verification, signed out, home."""

from __future__ import annotations

from html import escape

from .registrations import DEMO_USER

_STYLE = "body{font-family:sans-serif;max-width:32em;margin:3em auto}.error{color:#b00}"


def _page(title: str, body: str) -> str:
    return (
        "<!doctype html><html><head><meta charset='utf-8'>"
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}</body></html>"
    )


def _error_line(error: str | None) -> str:
    return f"<p class='error' id='error'>{escape(error)}</p>" if error else ""


def login(
    action: str, return_url: str, *, error: str | None = None, username: str = "", title: str = ""
) -> str:
    return _page(
        title or "Sign in to the sandbox instance",
        _error_line(error)
        + f"<form method='post' action='{escape(action)}' id='login'>"
        + f"<input type='hidden' name='ReturnUrl' value='{escape(return_url)}'>"
        + "<label>User name <input name='username' autocomplete='username' "
        + f"value='{escape(username)}'></label><br>"
        + "<label>Password <input name='password' type='password'></label><br>"
        + "<button type='submit' name='button' value='login'>Sign in</button>"
        + "<button type='submit' name='button' value='cancel'>Cancel</button>"
        + "</form>"
        + demo_sign_in_line(),
    )


def demo_sign_in_line() -> str:
    """The public demo account, said on the page so a newcomer can sign in."""
    user, password = escape(DEMO_USER.username), escape(DEMO_USER.password)
    return f"<p id='demo-sign-in'>demo sign-in: user {user} / password {password}</p>"


def error(error_code: str, description: str, status_hint: str = "") -> str:
    return _page(
        "Sign-in error",
        f"<p>error: <code id='error_code'>{escape(error_code)}</code></p>"
        f"<p id='error_description'>{escape(description)}</p>"
        + (f"<p>{escape(status_hint)}</p>" if status_hint else ""),
    )


def form_post(action: str, fields: dict[str, str]) -> str:
    inputs = "".join(
        f"<input type='hidden' name='{escape(k)}' value='{escape(v)}'>" for k, v in fields.items()
    )
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>Submit this form</title></head>"
        "<body onload='document.forms[0].submit()'>"
        f"<form method='post' action='{escape(action)}'>{inputs}"
        "<noscript><button type='submit'>Continue</button></noscript></form></body></html>"
    )


def device(user_code: str = "", *, error: str | None = None, prefix: str = "/id") -> str:
    return _page(
        "Connect a device",
        _error_line(error)
        + f"<form method='post' action='{escape(prefix)}/device' id='device'>"
        + "<label>Code shown on the device <input name='user_code' "
        + f"value='{escape(user_code)}'></label><br>"
        + "<label>User name <input name='username'></label><br>"
        + "<label>Password <input name='password' type='password'></label><br>"
        + "<button type='submit' name='action' value='approve'>Allow</button>"
        + "<button type='submit' name='action' value='deny'>Deny</button>"
        + "</form>",
    )


def message(title: str, text: str) -> str:
    return _page(title, f"<p id='message'>{escape(text)}</p>")


def home(url: str, profiles: list[tuple[str, str]]) -> str:
    """The sandbox's ``/``: where things are and one line per demo profile (name, description)."""
    items = "".join(f"<li><b>{escape(name)}</b>: {escape(text)}</li>" for name, text in profiles)
    return (
        "<!doctype html><title>tokenlab sandbox</title><h1>tokenlab sandbox instance</h1>"
        f"<p>Identity service: <a href='/id/.well-known/openid-configuration'>{url}/id</a>"
        f"<p>Domain API: {url}/api/domain/odata/<ul>{items}</ul>"
    )


def web_client(user_name: str) -> str:
    return f"<!doctype html><p>Signed in to the web client as {escape(user_name)}"

"""`tokenlab diff A B`: what differs between two tokens, claim by claim.

A and B are each a token, a file holding one (or a token response's JSON), or `-` for stdin
(one of them at most). Offline. Scopes are compared as sets, times as deltas, and the header's
`kid`, `alg`, `typ` too; churn every new token has (iat, exp, jti, a rotated kid) is marked.
Reference and opaque tokens are compared only whole: whether they differ, never their value.
Exit 0: the tokens are the same; 1: they differ; 2: bad input.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tokenlab.commands.context import CommandContext
from tokenlab.core.errors import EXIT_FAILURE, EXIT_OK, UsageError

if TYPE_CHECKING:
    from tokenlab.core.inspection.compare import ClaimDiff

MAX_INPUT_CHARS = 1_000_000  # a token response with an id_token fits many times over
VALUE_CHARS = 60
FILE_SUFFIXES = (".txt", ".json", ".jwt", ".token")
SIGN = {"added": "+", "removed": "-", "changed": "~"}


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "diff",
        help="compare two tokens claim by claim (offline)",
        description="Compare two tokens: added, removed and changed claims, scopes as sets, times "
        "as deltas, header changes (kid, alg, typ). Each of A and B is a token, a file, or - "
        "(stdin, once). Prefer files or - so tokens stay out of shell history. "
        "Exit 0 when the tokens are the same, 1 when they differ.",
    )
    p.add_argument("a", metavar="A", help="the first token (before), a file, or -")
    p.add_argument("b", metavar="B", help="the second token (after), a file, or -")
    p.add_argument("--json", action="store_true", help="the comparison as JSON")
    p.set_defaults(run=_run)


def _token_in(text: str, where: str) -> str:
    """The token in `text`: the whole text, without a `Bearer ` scheme, or a token response's
    `access_token` when the text is JSON."""
    from tokenlab.core.json_text import JsonTextError, loads

    text = text.strip()
    if text.startswith("{"):
        try:
            data = loads(text)
        except JsonTextError:
            raise UsageError(
                f"{where} is not valid JSON", "give a token, or a token response"
            ) from None
        token = data.get("access_token") if isinstance(data, dict) else None
        if not isinstance(token, str):
            raise UsageError(f"{where} has no access_token", "give a token, or a token response")
        text = token.strip()
    if text.lower().startswith("bearer "):
        text = text[7:].strip()
    if not text:
        raise UsageError(f"{where} is empty", "give a token, a file holding one, or - for stdin")
    return text


def _is_file(path: Path) -> bool:
    """Whether `path` is a file; a token longer than a file name can be is not one (Python
    3.11's is_file raises on ENAMETOOLONG instead of saying no)."""
    try:
        return path.is_file()
    except OSError:
        return False


def _read(arg: str, ctx: CommandContext) -> str:
    """The token an argument names: stdin, a file, or the argument itself."""
    if arg == "-":
        return _token_in(ctx.stdin.read(MAX_INPUT_CHARS), "stdin")
    path = Path(arg).expanduser()
    if _is_file(path):
        try:
            text = path.read_text(encoding="utf-8")[:MAX_INPUT_CHARS]
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(
                f"cannot read {arg!r}: {type(exc).__name__}", "give a readable text file"
            ) from None
        return _token_in(text, f"the file {arg!r}")
    if "/" in arg or "\\" in arg or arg.lower().endswith(FILE_SUFFIXES):  # base64url has no '/'
        raise UsageError(f"no file {arg!r}", "give a token, a file holding one, or - for stdin")
    return _token_in(arg, "the token")


def _run(args: argparse.Namespace, ctx: CommandContext) -> int:
    from tokenlab.core.inspection.compare import diff_tokens
    from tokenlab.core.inspection.decode import decode_token

    if args.a == "-" and args.b == "-":
        raise UsageError("stdin can carry only one of the two tokens", "give the other as a file")
    a, b = _read(args.a, ctx), _read(args.b, ctx)
    for value in (a, b):
        ctx.secrets.redactor.add_known(value)
    first, second = decode_token(a), decode_token(b)
    diff = diff_tokens(first, second)
    if args.json:
        ctx.json(
            {"a": {"token": first.masked, "kind": first.kind},
             "b": {"token": second.masked, "kind": second.kind}, **diff.to_json()},
            schema="diff",
        )  # fmt: skip
    else:
        ctx.out(f"A: {first.kind} {first.masked}")
        ctx.out(f"B: {second.kind} {second.masked}")
        for d in diff.diffs if diff.comparable else ():
            ctx.out(_line(d))
        for line in diff.summary_lines():
            ctx.out(line)
    return EXIT_OK if diff.same else EXIT_FAILURE


def _value(value: Any) -> str:
    from tokenlab.core.inspection.claims import value_text
    from tokenlab.core.terminal_text import inert_line

    text = inert_line(value_text(value))  # a token's claims are anyone's words
    return text if len(text) <= VALUE_CHARS else text[: VALUE_CHARS - 1] + "…"


def _line(d: ClaimDiff) -> str:
    if d.change == "added":
        shown = _value(d.after)
    elif d.change == "removed":
        shown = _value(d.before)
    else:
        shown = f"{_value(d.before)} → {_value(d.after)}"
    note = f"  ({d.note})" if d.note else ""
    return f"{SIGN[d.change]} {d.name}: {shown}{note}"

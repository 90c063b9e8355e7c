"""The share bundle's scrub walk on its own: what it hashes, drops and keeps."""

from __future__ import annotations

import base64
import json
import re

from tokenlab.core.share.pseudonyms import Pseudonyms
from tokenlab.core.share.scrub import Scrubber


def jwt(claims: dict[str, object]) -> str:
    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'kid': 'K1'})}.{part(claims)}.c2lnbmF0dXJlLXZhbHVl"


def scrubber(**claims: object) -> Scrubber:
    s = Scrubber(Pseudonyms(b"s" * 16), keep=frozenset({"com.acme/app"}))
    s.learn(claims)
    return s


def test_personal_values_are_hashed_everywhere_and_the_same_each_time() -> None:
    s = scrubber(sub="u-1234", name="Ada Lovelace", email="ada@example.com")
    text = s.text("user u-1234 (Ada Lovelace, ada@example.com) again u-1234")
    sub, name, email = (
        s.names.of(k, v)
        for k, v in (("sub", "u-1234"), ("name", "Ada Lovelace"), ("email", "ada@example.com"))
    )
    assert text == f"user {sub} ({name}, {email}) again {sub}"
    assert re.fullmatch(r"sub:[0-9a-f]{8}", sub)


def test_user_names_in_urls_and_home_paths() -> None:
    s = scrubber()
    text = s.text("https://x/api/users/jdoe/orders?login_hint=jdoe&$top=1 key /home/jdoe/k.pem")
    user = s.names.of("user", "jdoe")
    assert "jdoe" not in text
    assert (
        f"/users/{user}/orders?login_hint={user}&$top=1" in text and f"/home/{user}/k.pem" in text
    )
    assert s.text("C:\\Users\\jdoe\\key.pem") == f"C:\\Users\\{user}\\key.pem"
    assert s.text("/id/account/login?ReturnUrl=/ui/") == "/id/account/login?ReturnUrl=/ui/"


def test_a_jwt_loses_its_signature_and_its_personal_claims() -> None:
    s = scrubber()
    token = jwt({"iss": "https://i/id", "sub": "u-9", "client_id": "com.acme/app", "scope": "read"})
    out = s.text(f"token {token} end")
    head, payload, signature = out.split()[1].split(".")
    assert signature == "<dropped>" and head == token.split(".")[0]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["sub"] == s.names.of("sub", "u-9")
    assert claims["iss"] == "https://i/id" and claims["client_id"] == "com.acme/app"


def test_masked_secrets_keep_only_their_length_and_kept_values_stay() -> None:
    s = scrubber(sub="com.acme/app", client_system_user="svc-user")
    assert s.text("secret CANA…(31 chars) here") == "secret …(31 chars, removed) here"
    claims = s.claims({"sub": "com.acme/app", "client_id": "com.acme/app", "exp": 1, "aud": "API"})
    assert claims == {"sub": "com.acme/app", "client_id": "com.acme/app", "exp": 1, "aud": "API"}
    assert s.claims({"client_system_user": "svc-user"})["client_system_user"].startswith("user:")

"""Token inspection: decode any token without trusting it, then check it the way the API would.

Below the flows: nothing here imports from the flows package (the flows use this one for
id_tokens; introspection, which needs a flow's client authentication, lives with the flows).

    decode        DecodedToken, decode_token, TokenFormatError: reading what was pasted
    claims        readable times and values, what each claim means, scopes and audiences
    checks        Check (what every check returns), format / algorithm / key-source checks
    claim_checks  issuer, times, audience, type, scope and client checks
    token_report  TokenReport, check_token, CHECK_ORDER: every offline check in one report
    signature     the signature against one JWK of the authority
    verify        verify_token: the one key lookup (AuthorityCache.find_key) and the signature
    compare       compare_tokens, compare_claims: what differs, churn marked
    id_token      validate_id_token: a thin layer over the checks above

Import from the module that does the job: importing one loads only what it needs, and heavy
modules (httpx, PyJWT, cryptography) load only when a signature is checked.
"""

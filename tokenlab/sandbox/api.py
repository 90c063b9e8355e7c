"""The instance's resource side: auto-discovery, the Domain API (OData) and a browser-only route."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from . import pages
from .authority import Authority
from .server import Handler, Request, Response, html_response, json_response, redirect
from .tokens import InvalidToken, bearer_error, check_access_token

ODATA = "/api/domain/odata/"
WRITE_METHODS = ("POST", "PATCH", "PUT", "MERGE", "DELETE")
_FILTER = re.compile(r"^\s*(\w+)\s+eq\s+(?:'((?:[^']|'')*)'|(-?\d+)|(true|false))\s*$")
_KEY = re.compile(r"^(\w+)\((?:guid)?'?([0-9a-fA-F-]{36})'?\)$")


def _customers() -> list[dict[str, Any]]:
    names = [
        "Acme Tools", "Blue River Foods", "Cedar Logistics", "Delta Print", "Evergreen Farms",
        "Fjord Marine", "Granite Works", "Harbor Textiles", "Iris Optics", "Juniper Labs",
        "Kestrel Air", "Lumen Lighting", "Maple Bakery", "Nimbus Cloudware", "Orchid Florists",
        "Pioneer Steel", "Quarry Stone", "Riverside Clinic", "Summit Outdoor", "Tidewater Energy",
        "Umbra Studios", "Valley Dairy", "Willow Furniture", "Xenon Motors", "Yarrow Herbs",
    ]  # fmt: skip
    return [
        {
            "Id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"sandbox-customer-{i}")),
            "Number": f"C{i + 1:04d}",
            "Name": name,
            "Active": i % 7 != 6,
            "CreditLimit": 1000 * (i % 5 + 1),
        }
        for i, name in enumerate(names)
    ]


def business_error(status: int, message: str, code: str, type_: str, info: str = "") -> Response:
    body = {"message": message, "code": code, "type": type_, "info": info}
    return json_response(body, status)


@dataclass
class Principal:
    scopes: list[str]
    subject: str


class DomainApi:
    def __init__(self, instance: Authority) -> None:
        self.instance = instance
        self.customers = _customers()

    @property
    def root(self) -> str:
        return f"{self.instance.base_url}{ODATA}"

    def routes(self) -> list[tuple[str, Handler]]:
        return [
            ("/sys/auto-discovery", self.auto_discovery),
            ("/tools/auto-discovery", self.auto_discovery),
        ]

    def prefix_routes(self) -> list[tuple[str, Handler]]:
        return [
            (ODATA, self.odata),
            ("/ui/", self.browser_only),
            ("/api/legacy/", self.browser_only),
        ]

    async def auto_discovery(self, request: Request) -> Response:
        base = self.instance.base_url
        return json_response(
            {
                "InstanceName": "sandbox",
                "WebSites": [
                    {"Type": "ID", "URL": f"{base}/id", "AdditionalProperties": {}},
                    {
                        "Type": "DomainAPI",
                        "URL": f"{base}/api/domain",
                        "AdditionalProperties": {"ODataServiceRoot": self.root},
                    },
                    {"Type": "WebClient", "URL": f"{base}/ui/", "AdditionalProperties": {}},
                ],
            },
            cache=60,
        )

    async def browser_only(self, request: Request) -> Response:
        """A page for people: without a session it redirects to the sign-in page."""
        session = self.instance.session(request.cookies)
        if session is None:
            return redirect(f"/id/account/login?ReturnUrl={quote(request.target, safe='/')}")
        return html_response(pages.web_client(session.user.name))

    # -- authentication ------------------------------------------------------------------------

    def _authenticate(self, request: Request) -> Principal | Response:
        authz = request.headers.get("authorization")
        api_key = request.headers.get("x-api-key")
        if (authz and api_key) or request.header_counts.get("authorization", 0) > 1:
            return json_response(
                {"message": "Send the token in one header only: Authorization or X-Api-Key."}, 400
            )
        if api_key is not None:
            token = api_key.strip()
            if not token.startswith("enrt_"):
                return bearer_error(
                    401, "invalid_token", "X-Api-Key takes a reference token (enrt_...)"
                )
        elif authz:
            scheme, _, value = authz.partition(" ")
            if scheme.lower() != "bearer" or not value.strip():
                return bearer_error(401, "invalid_token", "the Authorization scheme must be Bearer")
            token = value.strip()
        else:
            return bearer_error(401, None)
        if token.startswith("enrt_"):
            ref = self.instance.reference_token(token)
            if ref is None:
                known = token in self.instance.reference_tokens
                why = "revoked or expired" if known else "unknown"
                return bearer_error(401, "invalid_token", f"the reference token is {why}")
            return Principal(list(ref.scopes), ref.owner)
        try:
            claims = check_access_token(self.instance, token, audience="DomainAPI")
        except InvalidToken as err:
            return bearer_error(401, "invalid_token", str(err))
        subject = str(claims.get("sub") or claims.get("client_system_user") or claims["client_id"])
        return Principal(list(claims.get("scope", [])), subject)

    # -- OData -------------------------------------------------------------------------------

    async def odata(self, request: Request) -> Response:
        principal = self._authenticate(request)
        if isinstance(principal, Response):
            return principal
        needed = "update" if request.method in WRITE_METHODS else "read"
        if needed not in principal.scopes:
            return json_response(
                {"error": "insufficient_scope", "error_description": f"needs scope '{needed}'"}, 403
            ).header(
                "WWW-Authenticate",
                f'Bearer error="insufficient_scope", scope="{needed}", '
                f'error_description="the token lacks the {needed} scope"',
            )
        resource = request.path[len(ODATA) :]
        if resource == "":
            return json_response(
                {
                    "@odata.context": f"{self.root}$metadata",
                    "value": [
                        {
                            "name": "Crm_Sales_Customers",
                            "kind": "EntitySet",
                            "url": "Crm_Sales_Customers",
                        }
                    ],
                }
            )
        if resource == "Crm_Sales_Customers":
            if request.method == "POST":
                return self._create(request)
            if request.method in ("GET", "HEAD"):
                return self._list(request)
            return business_error(405, "Method not allowed", "MethodNotAllowed", "ODataException")
        match = _KEY.match(resource)
        if match and match.group(1) == "Crm_Sales_Customers":
            return self._entity(request, match.group(2).lower())
        name = resource.split("(")[0].split("/")[0]
        return business_error(
            404,
            f"Resource not found for the segment '{name}'.",
            "EntitySetNotFound",
            "Microsoft.OData.UriParser.ODataUnrecognizedPathException",
        )

    def _list(self, request: Request) -> Response:
        query = request.query
        rows = list(self.customers)
        if "$filter" in query:
            match = _FILTER.match(query["$filter"])
            field_name = match.group(1) if match else ""
            if not match or field_name not in rows[0]:
                return business_error(
                    500,
                    f"Invalid $filter expression: {query['$filter']}",
                    "InvalidFilter",
                    "Microsoft.OData.ODataException",
                    "Supported here: Field eq 'text' | Field eq 123 | Field eq true",
                )
            text, number, boolean = match.group(2), match.group(3), match.group(4)
            value: Any = (
                text.replace("''", "'") if text is not None
                else int(number) if number is not None
                else boolean == "true"
            )  # fmt: skip
            rows = [r for r in rows if r[field_name] == value]
        for option in ("$skip", "$top"):
            if option in query:
                try:
                    count = int(query[option])
                    if count < 0:
                        raise ValueError(option)
                except ValueError:
                    return business_error(
                        400, f"Invalid value for {option}", "InvalidQueryOption", "ODataException"
                    )
                rows = rows[count:] if option == "$skip" else rows[:count]
        if "$select" in query:
            fields = [f.strip() for f in query["$select"].split(",") if f.strip()]
            unknown = [f for f in fields if f not in self.customers[0]]
            if unknown:
                return business_error(
                    500,
                    f"Unknown property '{unknown[0]}' in $select",
                    "InvalidSelect",
                    "ODataException",
                )
            rows = [{f: r[f] for f in fields} for r in rows]
        return json_response(
            {"@odata.context": f"{self.root}$metadata#Crm_Sales_Customers", "value": rows}
        )

    def _create(self, request: Request) -> Response:
        try:
            data = request.json()
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("Name"), str):
            return business_error(
                500, "A customer needs a Name", "ValidationError", "BusinessException"
            )
        row = {
            "Id": str(uuid.uuid4()),
            "Number": f"C{len(self.customers) + 1:04d}",
            "Name": data["Name"],
            "Active": bool(data.get("Active", True)),
            "CreditLimit": int(data.get("CreditLimit", 0)),
        }
        self.customers.append(row)
        return json_response(row, 201).header(
            "Location", f"{self.root}Crm_Sales_Customers({row['Id']})"
        )

    def _entity(self, request: Request, key: str) -> Response:
        row = next((r for r in self.customers if r["Id"] == key), None)
        if row is None:
            return business_error(404, f"Customer {key} not found", "NotFound", "ODataException")
        if request.method in ("GET", "HEAD"):
            return json_response(row)
        if request.method == "DELETE":
            self.customers.remove(row)
            return Response(204)
        try:
            data = request.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return business_error(
                500, "The body must be a JSON object", "ValidationError", "BusinessException"
            )
        row.update({k: v for k, v in data.items() if k in row and k != "Id"})
        return Response(204)

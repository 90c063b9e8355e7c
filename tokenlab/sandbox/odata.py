"""The instance's data behind the Domain API: one entity set (customers) with a little OData.

Every Domain API server of the sandbox (the instance's own and the misconfigured case servers)
reads and writes this one data set, as an instance's API nodes share one database.
Failures use the platform's error shape ``{message, code, type, info}``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

from .server import Request, Response, json_response

CUSTOMERS = "Crm_Sales_Customers"
# The instance's Trusted Applications, readable only by its administrators (read-only here).
TRUSTED_APPS = "Systems_Security_TrustedApplications"
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


def entity_set_of(resource: str) -> str:
    """``Crm_Sales_Customers(guid'...')/Name`` -> ``Crm_Sales_Customers``."""
    return resource.split("(")[0].split("/")[0]


class EntitySets:
    """The data and the OData requests on it; ``root`` is the answering server's service root."""

    def __init__(
        self,
        denied: dict[str, frozenset[str]] | None = None,
        *,
        registrations: Callable[[], list[dict[str, Any]]] | None = None,
        readers: dict[str, frozenset[str]] | None = None,
    ) -> None:
        self.customers = _customers()
        # user or system user -> entity sets it may not touch (a missing right on the instance)
        self.denied: dict[str, frozenset[str]] = dict(denied or {})
        # the Trusted Applications, as rows, read fresh on every request
        self.registrations = registrations or list
        # entity set -> the only users or system users that may read it (administrators)
        self.readers: dict[str, frozenset[str]] = dict(readers or {})

    def may_touch(self, subject: str, entity_set: str) -> bool:
        if entity_set in self.denied.get(subject, ()):
            return False
        readers = self.readers.get(entity_set)
        return readers is None or subject in readers

    def handle(self, request: Request, resource: str, root: str) -> Response:
        if resource == "":
            return json_response(
                {
                    "@odata.context": f"{root}$metadata",
                    "value": [
                        {"name": name, "kind": "EntitySet", "url": name}
                        for name in (CUSTOMERS, TRUSTED_APPS)
                    ],
                }
            )
        if resource == CUSTOMERS:
            if request.method == "POST":
                return self._create(request, root)
            if request.method in ("GET", "HEAD"):
                return self._list(request, root, CUSTOMERS, self.customers)
            return business_error(405, "Method not allowed", "MethodNotAllowed", "ODataException")
        if resource == TRUSTED_APPS:
            if request.method in ("GET", "HEAD"):
                return self._list(request, root, TRUSTED_APPS, self.registrations())
            return business_error(405, "Method not allowed", "MethodNotAllowed", "ODataException")
        match = _KEY.match(resource)
        if match and match.group(1) == CUSTOMERS:
            return self._entity(request, match.group(2).lower())
        return business_error(
            404,
            f"Resource not found for the segment '{entity_set_of(resource)}'.",
            "EntitySetNotFound",
            "Microsoft.OData.UriParser.ODataUnrecognizedPathException",
        )

    def _list(
        self, request: Request, root: str, name: str, table: list[dict[str, Any]]
    ) -> Response:
        query = request.query
        rows = list(table)
        fields = table[0] if table else {}
        if "$filter" in query:
            match = _FILTER.match(query["$filter"])
            field_name = match.group(1) if match else ""
            if not match or field_name not in fields:
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
            selected = [f.strip() for f in query["$select"].split(",") if f.strip()]
            unknown = [f for f in selected if f not in fields]
            if unknown:
                return business_error(
                    500,
                    f"Unknown property '{unknown[0]}' in $select",
                    "InvalidSelect",
                    "ODataException",
                )
            rows = [{f: r[f] for f in selected} for r in rows]
        return json_response({"@odata.context": f"{root}$metadata#{name}", "value": rows})

    def _create(self, request: Request, root: str) -> Response:
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
        return json_response(row, 201).header("Location", f"{root}{CUSTOMERS}({row['Id']})")

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

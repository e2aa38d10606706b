"""What `make run` prints before serving: where to go, the demo key, a query to paste.

Plain lines, not a panel: a panel would wrap the commands and break copy and paste.
"""

from __future__ import annotations

import json

from invoicegraph.demo import DEMO_API_KEY, DEMO_PLATFORM_ID

URL = "http://127.0.0.1:8000/graphql"

EXAMPLE_QUERY = """query {
  invoices(first: 3) {
    totalCount
    edges {
      node {
        id
        invoiceNumber
        status
        invoiceAmountIncludingTax { quantity currency }
        customer { id reference email organization { legalName } }
        billingEntity { id legalName }
        periods { startAt endAt groups { lines { description amountExcludingTax { quantity currency } } } }
      }
    }
  }
}"""


def message() -> str:
    headers = json.dumps({"X-API-KEY": DEMO_API_KEY, "X-PLATFORM-ID": DEMO_PLATFORM_ID})
    body = json.dumps({"query": " ".join(EXAMPLE_QUERY.split())})
    return "\n".join(
        [
            "",
            "invoicegraph is starting",
            f"  GraphQL and GraphiQL (open it in a browser): {URL}",
            f"  Demo API key: {DEMO_API_KEY}",
            f"  Platform:     {DEMO_PLATFORM_ID}  (header x-platform-id; the demo key spans two platforms)",
            "",
            "In GraphiQL, paste this into the Headers tab:",
            f"  {headers}",
            "and this into the editor:",
            EXAMPLE_QUERY,
            "",
            "Or from a shell:",
            f"  curl -s {URL} -H 'content-type: application/json' -H 'X-API-KEY: {DEMO_API_KEY}' -H 'X-PLATFORM-ID: {DEMO_PLATFORM_ID}' -d '{body}'",
            "",
        ]
    )


def main() -> None:
    print(message())  # noqa: T201  (this module's whole job is to print for a person)


if __name__ == "__main__":
    main()

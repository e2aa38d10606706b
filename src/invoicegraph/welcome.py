"""What `make run` prints before serving: where to go, the demo key, a query to paste."""

from __future__ import annotations

from rich.console import Console
from rich.panel import Panel

from invoicegraph.demo import DEMO_API_KEY, DEMO_PLATFORM_ID

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


def main() -> None:
    console = Console()
    url = "http://127.0.0.1:8000/graphql"
    console.print(
        Panel.fit(
            f"GraphQL (GraphiQL in a browser): [bold]{url}[/bold]\n"
            f"Demo API key:  {DEMO_API_KEY}\n"
            f"Platform:      {DEMO_PLATFORM_ID}  (header x-platform-id)\n\n"
            "In GraphiQL, open the Headers tab and paste:\n"
            f'  {{"X-API-KEY": "{DEMO_API_KEY}", "X-PLATFORM-ID": "{DEMO_PLATFORM_ID}"}}\n\n'
            "Or from a shell:\n"
            f"  curl -s {url} -H 'content-type: application/json' -H 'X-API-KEY: {DEMO_API_KEY}' -H 'X-PLATFORM-ID: {DEMO_PLATFORM_ID}' \\\n"
            '    -d \'{"query": "{ invoices(first: 3) { edges { node { id status customer { reference } } } } }"}\'',
            title="invoicegraph is starting",
        ),
        highlight=False,
    )
    console.print("Example query:", style="bold")
    console.print(EXAMPLE_QUERY, highlight=False, markup=False)


if __name__ == "__main__":
    main()

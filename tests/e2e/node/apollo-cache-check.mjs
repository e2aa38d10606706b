// Apollo Client 4 with its default InMemoryCache (no typePolicies, no possibleTypes) against a real
// invoicegraph: load invoices, previews of some of them, then read each invoice back from the cache and
// fetch it again from the server. A cache that trusts `__typename` + `id` must hold exactly what the
// server says: no line, snapshot or preview value of one object may have landed on another.
//
//   node apollo-cache-check.mjs --url URL --key KEY --platform P --invoice ID... --preview ID... [--types FULL]
//
// Prints {invoices: {id: {cached, server}}, previews: {id: changeCount}} as JSON on stdout.
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";

function parseArgs(argv) {
  const args = { invoice: [], preview: [], types: "FULL" };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, "");
    if (Array.isArray(args[name])) args[name].push(argv[i + 1]);
    else args[name] = argv[i + 1];
  }
  return args;
}

const CONTENT = `
  version status invoiceNumber billingCurrency
  customerDetails { customerId legalName email address { line1 city country } taxIds { number } }
  billingEntityDetails { billingEntityId legalName address { city } }
  invoiceAmountIncludingTax { quantity currency }
  taxSummary { taxAmount { quantity currency } totalAmount { quantity currency } }
  taxCategories { category percentage taxAmount { quantity currency } }
  customer { id displayName organization { legalName } }
`;
const LINE = `description lineOrder type amountExcludingTax { quantity currency } amountIncludingTax { quantity currency } productItems { productItemId name }`;

const INVOICE = gql`
  query Invoice($id: ID!) {
    invoice(id: $id) {
      id ${CONTENT}
      periods { periodOrder groups { groupOrder products { productId name } lines { id ${LINE} } } }
    }
  }
`;
const PREVIEW = gql`
  query Preview($id: ID!, $types: [InvoiceRefreshType!]) {
    invoiceRefreshPreview(id: $id, types: $types) {
      basedOnVersion
      changes { path before after }
      invoice {
        invoiceId ${CONTENT}
        periods { periodOrder groups { groupOrder products { productId name } lines { lineId ${LINE} } } }
      }
    }
  }
`;

const args = parseArgs(process.argv.slice(2));
const headers = { "x-api-key": args.key, "x-platform-id": args.platform };
const client = new ApolloClient({ link: new HttpLink({ uri: args.url, headers }), cache: new InMemoryCache() });
// A second client without a cache: what the server says now.
const server = new ApolloClient({ link: new HttpLink({ uri: args.url, headers }), cache: new InMemoryCache() });

for (const id of args.invoice) {
  await client.query({ query: INVOICE, variables: { id } });
}
const previews = {};
for (const id of args.preview) {
  const result = await client.query({ query: PREVIEW, variables: { id, types: [args.types] } });
  previews[id] = result.data.invoiceRefreshPreview.changes.length;
}
const invoices = {};
for (const id of args.invoice) {
  const cached = client.readQuery({ query: INVOICE, variables: { id } });
  const fresh = await server.query({ query: INVOICE, variables: { id }, fetchPolicy: "no-cache" });
  invoices[id] = { cached: cached?.invoice ?? null, server: fresh.data.invoice };
}
process.stdout.write(JSON.stringify({ invoices, previews }));

// A small CRM subgraph that the federation tests own: it adds CRM fields to the billing
// subgraph's `Customer` entity (keyed by id), lists customers, and refers to billing invoices from
// its support tickets. It implements the Apollo subgraph spec (`_service`, `_entities`) with plain
// graphql-js, needs no credential and reads no special header.
//
//   node crm-subgraph.mjs [--host 127.0.0.1] [--port 4001] [--data crm-data.json] [--print-sdl]
//
// Prints one JSON line {"event":"ready","url":…} on stdout once it listens. SIGTERM/SIGINT stop it.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSchema } from 'graphql';

const { values: args } = parseArgs({
  options: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '4001' },
    data: { type: 'string', default: fileURLToPath(new URL('./crm-data.json', import.meta.url)) },
    'print-sdl': { type: 'boolean', default: false },
  },
});

// The subgraph's SDL as composition sees it (what `_service { sdl }` returns).
export const SDL = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])

"""Customer segment in the CRM."""
enum CustomerSegment {
  ENTERPRISE
  MID_MARKET
  SMALL_BUSINESS
}

# The billing subgraph's customer (its description wins in the supergraph); the CRM adds fields.
type Customer @key(fields: "id") {
  id: ID!
  """Name of the account manager in charge of the customer."""
  accountManager: String!
  """CRM segment."""
  segment: CustomerSegment!
  """Support tickets of the customer, oldest first."""
  tickets: [Ticket!]!
}

"""A support ticket, possibly about one invoice."""
type Ticket {
  id: ID!
  subject: String!
  """The invoice the ticket is about (resolved by the billing subgraph); null when none."""
  invoice: Invoice
}

# An invoice of the billing subgraph, referred to by id only.
type Invoice @key(fields: "id", resolvable: false) {
  id: ID!
}

type Query {
  """Customers known to the CRM, optionally of one segment, in CRM order."""
  customers(segment: CustomerSegment): [Customer!]!
}
`;

if (args['print-sdl']) {
  process.stdout.write(SDL);
  process.exit(0);
}

const data = JSON.parse(readFileSync(args.data, 'utf8'));
const byId = new Map(data.customers.map((customer) => [customer.id, customer]));

// The executable schema: the SDL without federation directives, plus the subgraph spec's additions.
const executableSdl = `${SDL.replace(/^extend schema @link\(.*\)$/m, '').replace(/ @key\([^)]*\)/g, '')}
scalar _Any
union _Entity = Customer
type _Service { sdl: String! }
extend type Query {
  _entities(representations: [_Any!]!): [_Entity]!
  _service: _Service!
}
`;
const schema = buildSchema(executableSdl);
schema.getType('_Entity').resolveType = (value) => value.__typename;

const toCustomer = (record) =>
  record && {
    __typename: 'Customer',
    id: record.id,
    accountManager: record.accountManager,
    segment: record.segment,
    tickets: record.tickets.map((ticket) => ({
      id: ticket.id,
      subject: ticket.subject,
      invoice: ticket.invoiceId ? { id: ticket.invoiceId } : null,
    })),
  };

const rootValue = {
  customers: ({ segment }) =>
    data.customers.filter((record) => !segment || record.segment === segment).map(toCustomer),
  // Same order as the representations; an unknown customer is null (subgraph spec).
  _entities: ({ representations }) =>
    representations.map((representation) =>
      representation.__typename === 'Customer' ? toCustomer(byId.get(representation.id)) : null,
    ),
  _service: () => ({ sdl: SDL }),
};

const server = new ApolloServer({
  schema,
  rootValue,
  includeStacktraceInErrorResponses: false,
  // No federated tracing (FTV1): the gateway here does not report usage to Apollo.
  plugins: [ApolloServerPluginInlineTraceDisabled()],
});
const { url } = await startStandaloneServer(server, {
  listen: { host: args.host, port: Number(args.port) },
});
process.stdout.write(JSON.stringify({ event: 'ready', service: 'crm', url }) + '\n');

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, async () => {
    await server.stop();
    process.exit(0);
  });
}

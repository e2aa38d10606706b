// An Apollo Federation gateway (@apollo/gateway 2.14 behind @apollo/server 5) in front of a
// composed supergraph (see compose.mjs):
//
//   node gateway.mjs --supergraph supergraph.graphql [--host 127.0.0.1] [--port 4000] \
//                    [--credentials-to billing] [--fetch-log fetches.jsonl]
//
// - The caller's X-API-KEY, Authorization, x-platform-id, Idempotency-Key and X-REQUEST-ID go to
//   the subgraphs named by --credentials-to (default: billing) and to no other: a CRM never sees
//   the billing credential. traceparent/tracestate go to every subgraph.
// - A subgraph's refusal (a 4xx with a GraphQL error body, e.g. 401 UNAUTHORISED from invoicegraph's
//   middleware) reaches the client with its own message and extensions.code, not a generic
//   "401: Unauthorized".
// - --fetch-log appends one JSON line per subgraph fetch (service, operation, entity
//   representations per type, names of the headers sent; never their values).
//
// Prints one JSON line {"event":"ready","url":…} on stdout once it listens. SIGTERM/SIGINT stop it.
import { appendFileSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { GraphQLError } from 'graphql';

const { values: args } = parseArgs({
  options: {
    supergraph: { type: 'string' },
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '4000' },
    'credentials-to': { type: 'string', multiple: true, default: ['billing'] },
    'fetch-log': { type: 'string' },
  },
});
if (!args.supergraph) {
  process.stderr.write('usage: node gateway.mjs --supergraph supergraph.graphql [--port 4000] [--credentials-to billing] [--fetch-log FILE]\n');
  process.exit(2);
}

// Lower-case names, as Node delivers incoming headers. Credentials and tenant go only to the
// subgraphs named by --credentials-to; W3C trace context goes to every subgraph.
const FORWARDED_HEADERS = ['x-api-key', 'authorization', 'x-platform-id', 'idempotency-key', 'x-request-id'];
const TRACE_HEADERS = ['traceparent', 'tracestate'];
const credentialsTo = new Set(args['credentials-to']);

class ForwardingDataSource extends RemoteGraphQLDataSource {
  constructor({ name, url }) {
    super({ url });
    this.name = name;
  }

  willSendRequest({ request, context }) {
    const incoming = context?.headers ?? {};
    const names = credentialsTo.has(this.name) ? [...FORWARDED_HEADERS, ...TRACE_HEADERS] : TRACE_HEADERS;
    for (const name of names) {
      const value = incoming[name];
      if (typeof value === 'string' && value !== '') request.http.headers.set(name, value);
    }
  }

  async process(options) {
    let response;
    let failure;
    try {
      response = await super.process(options);
      return response;
    } catch (error) {
      failure = error;
      throw error;
    } finally {
      if (args['fetch-log']) logFetch(this.name, options, response, failure);
    }
  }

  // Keep the subgraph's own GraphQL error (message and extensions.code) when it refuses a request
  // with a 4xx/5xx, instead of the gateway's generic "401: Unauthorized".
  async errorFromResponse(response) {
    const generic = await super.errorFromResponse(response);
    const body = generic.extensions?.response?.body;
    const first = Array.isArray(body?.errors) ? body.errors[0] : undefined;
    if (!first || typeof first.message !== 'string') return generic;
    return new GraphQLError(first.message, {
      extensions: { ...(first.extensions ?? {}), httpStatus: response.status, serviceName: this.name },
    });
  }
}

function logFetch(service, { request, kind }, response, failure) {
  const entities = {};
  for (const representation of request.variables?.representations ?? []) {
    const typename = representation?.__typename ?? '?';
    entities[typename] = (entities[typename] ?? 0) + 1;
  }
  const line = {
    service,
    kind,
    operationName: request.operationName ?? null,
    entityFetch: /\b_entities\s*\(/.test(request.query ?? ''),
    entities,
    headers: request.http ? [...request.http.headers.keys()].sort() : [],
    errors: failure ? [failure.message] : (response?.errors ?? []).map((error) => error.message),
    query: request.query,
  };
  appendFileSync(args['fetch-log'], JSON.stringify(line) + '\n');
}

const gateway = new ApolloGateway({
  supergraphSdl: readFileSync(args.supergraph, 'utf8'),
  buildService: ({ name, url }) => new ForwardingDataSource({ name, url }),
});

const server = new ApolloServer({
  gateway,
  // Subgraph stack traces never reach clients, whatever NODE_ENV says.
  includeStacktraceInErrorResponses: false,
});
const { url } = await startStandaloneServer(server, {
  listen: { host: args.host, port: Number(args.port) },
  context: async ({ req }) => ({ headers: req.headers }),
});
process.stdout.write(JSON.stringify({ event: 'ready', service: 'gateway', url }) + '\n');

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, async () => {
    await server.stop();
    process.exit(0);
  });
}

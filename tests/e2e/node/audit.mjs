// GraphQL-over-HTTP conformance: graphql-http's server audit against a running invoicegraph.
//
//   INVOICEGRAPH_API_KEY=… INVOICEGRAPH_PLATFORM_ID=… node audit.mjs http://127.0.0.1:8000/graphql
//
// Every audit request goes through a fetch wrapper that adds the credential (X-API-KEY, or
// Authorization when INVOICEGRAPH_AUTHORIZATION is set) and x-platform-id, the way a real client
// would. Prints one JSON document on stdout: {total, counts: {ok, warn, notice, error}, results: [...]}
// with every non-ok result's id, name, status and reason. Exits 1 when any audit is an `error`
// (a MUST violated), 2 on a usage or network problem. Audit 28B9 needs introspection on.
import { auditServer } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql url>   (env: INVOICEGRAPH_API_KEY, INVOICEGRAPH_PLATFORM_ID, INVOICEGRAPH_AUTHORIZATION)');
  process.exit(2);
}
const credentials = {};
if (process.env.INVOICEGRAPH_API_KEY) credentials['x-api-key'] = process.env.INVOICEGRAPH_API_KEY;
if (process.env.INVOICEGRAPH_AUTHORIZATION) credentials.authorization = process.env.INVOICEGRAPH_AUTHORIZATION;
if (process.env.INVOICEGRAPH_PLATFORM_ID) credentials['x-platform-id'] = process.env.INVOICEGRAPH_PLATFORM_ID;

const timeoutMs = Number(process.env.AUDIT_REQUEST_TIMEOUT_MS || 10000);

/** fetch with the credential headers added (the audit's own headers, e.g. accept, are kept). */
async function fetchWithCredentials(input, init = {}) {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(credentials)) headers.set(name, value);
  return fetch(input, { ...init, headers, signal: AbortSignal.timeout(timeoutMs) });
}

let results;
try {
  results = await auditServer({ url, fetchFn: fetchWithCredentials });
} catch (error) {
  console.error(`audit could not run against ${url}: ${error?.stack || error}`);
  process.exit(2);
}

const counts = { ok: 0, warn: 0, notice: 0, error: 0 };
const notOk = [];
for (const result of results) {
  counts[result.status] = (counts[result.status] || 0) + 1;
  if (result.status !== 'ok') {
    notOk.push({ id: result.id, name: result.name, status: result.status, reason: result.reason });
  }
}
process.stdout.write(JSON.stringify({ url, total: results.length, counts, results: notOk }, null, 2) + '\n');
process.exit(counts.error ? 1 : 0);

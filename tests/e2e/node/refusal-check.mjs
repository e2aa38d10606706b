// A request refused before GraphQL runs (a bad key, no x-platform-id for a key of several platforms, a
// platform the key may not use), as Apollo Client 4 and urql see it: a GraphQL error whose
// `extensions.code` the application reads directly, no string parsing.
//
//   node refusal-check.mjs --url URL --key KEY --platform P
//
// Prints {apollo: {case: {kind, code, status}}, urql: {case: {kind, code, status}}} as JSON.
import { ApolloClient, HttpLink, InMemoryCache, gql } from "@apollo/client";
import { CombinedGraphQLErrors, ServerError } from "@apollo/client/errors";
import { Client, fetchExchange } from "@urql/core";

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];

const QUERY = "query Invoices { invoices(first: 1) { totalCount } }";
const CASES = {
  unknownKey: { "x-api-key": "igk_this_key_does_not_exist_0000000000000000", "x-platform-id": args.platform },
  missingPlatform: { "x-api-key": args.key },
  foreignPlatform: { "x-api-key": args.key, "x-platform-id": "plat_not_ours" },
  ok: { "x-api-key": args.key, "x-platform-id": args.platform },
};

async function apollo(headers) {
  let status = null;
  const fetchAndRecord = async (input, init) => {
    const response = await fetch(input, init);
    status = response.status;
    return response;
  };
  const client = new ApolloClient({ link: new HttpLink({ uri: args.url, headers, fetch: fetchAndRecord }), cache: new InMemoryCache() });
  try {
    const result = await client.query({ query: gql(QUERY), errorPolicy: "none" });
    return { kind: "data", code: null, status, total: result.data?.invoices?.totalCount ?? null };
  } catch (error) {
    if (CombinedGraphQLErrors.is(error)) return { kind: "graphql", code: error.errors[0]?.extensions?.code ?? null, status };
    if (ServerError.is(error)) return { kind: "server", code: null, status, message: error.message };
    return { kind: "other", code: null, status, message: String(error) };
  }
}

async function urql(headers) {
  let status = null;
  const fetchAndRecord = async (input, init) => {
    const response = await fetch(input, init);
    status = response.status;
    return response;
  };
  const client = new Client({ url: args.url, exchanges: [fetchExchange], fetch: fetchAndRecord, fetchOptions: { headers } });
  const result = await client.query(QUERY, {}).toPromise();
  if (result.error) {
    const graphQLError = result.error.graphQLErrors[0];
    return graphQLError
      ? { kind: "graphql", code: graphQLError.extensions?.code ?? null, status }
      : { kind: "network", code: null, status, message: result.error.message };
  }
  return { kind: "data", code: null, status, total: result.data?.invoices?.totalCount ?? null };
}

const out = { apollo: {}, urql: {} };
for (const [name, headers] of Object.entries(CASES)) {
  out.apollo[name] = await apollo(headers);
  out.urql[name] = await urql(headers);
}
process.stdout.write(JSON.stringify(out));

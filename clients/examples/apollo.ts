// Using the generated documents with Apollo Client 4 and its default InMemoryCache (no typePolicies):
// every object with an `id` is unique on the platform under its __typename, so the cache can trust it.
// This file is type-checked by `npm run typecheck`; it is an example, not a library.
import { ApolloClient, HttpLink, InMemoryCache } from "@apollo/client";
import { CombinedGraphQLErrors } from "@apollo/client/errors";

import {
  InvoiceDetailPageDocument,
  InvoiceListPageDocument,
  InvoiceRefreshPreviewDocument,
  RefreshInvoiceDocument,
  type InvoiceRefreshType,
} from "../generated/graphql";
import type { ErrorCode } from "../generated/schema";

export function makeClient(uri: string, apiKey: string, platformId: string): ApolloClient {
  return new ApolloClient({
    link: new HttpLink({ uri, headers: { "x-api-key": apiKey, "x-platform-id": platformId } }),
    cache: new InMemoryCache(),
  });
}

/** The codes of `extensions.code`, without string parsing: refusals before GraphQL runs carry them too. */
export function errorCodes(error: unknown): ErrorCode[] {
  if (!CombinedGraphQLErrors.is(error)) return [];
  return error.errors.map((e) => e.extensions?.["code"] as ErrorCode);
}

/** A list page, then the next one: `endCursor` is where the next page starts. */
export async function firstTwoPages(client: ApolloClient): Promise<string[]> {
  const first = await client.query({ query: InvoiceListPageDocument, variables: { first: 10 } });
  const page = first.data?.invoices;
  const ids = page?.edges.map((edge) => edge.node.id) ?? [];
  if (page?.pageInfo.hasNextPage) {
    const next = await client.query({ query: InvoiceListPageDocument, variables: { first: 10, after: page.pageInfo.endCursor } });
    ids.push(...(next.data?.invoices.edges.map((edge) => edge.node.id) ?? []));
  }
  return ids;
}

/** The money of a detail page stays a decimal string: never Number() it. */
export async function totalOf(client: ApolloClient, id: string): Promise<string | undefined> {
  const { data } = await client.query({ query: InvoiceDetailPageDocument, variables: { id } });
  const total: string | undefined = data?.invoice?.invoiceAmountIncludingTax.quantity;
  return total;
}

/** Preview, then refresh: the preview never touches the cached Invoice; the mutation's answer does. */
export async function previewThenRefresh(client: ApolloClient, id: string, types: InvoiceRefreshType[]): Promise<number | undefined> {
  const preview = await client.query({ query: InvoiceRefreshPreviewDocument, variables: { id, types }, fetchPolicy: "network-only" });
  const changes = preview.data?.invoiceRefreshPreview?.changes ?? [];
  if (changes.length === 0) return undefined;
  const saved = await client.mutate({ mutation: RefreshInvoiceDocument, variables: { id, types } });
  return saved.data?.refreshInvoice.version;
}

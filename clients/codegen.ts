// GraphQL Code Generator for invoicegraph: typed documents for the example operations (and yours).
//
//   npm ci && npm run codegen && npm run typecheck
//
// `schema.graphql` here is the client-facing SDL (`make schema` writes it beside the subgraph's
// schema.graphql at the repository root): the same types without the federation plumbing.
import type { CodegenConfig } from "@graphql-codegen/cli";

// Our custom scalars as they travel in JSON. Money and rates are exact decimal strings ("94.50"):
// keep them strings (or use a decimal library); never Number(), which goes through binary floating
// point. Instants are RFC 3339 strings: output is UTC with whole seconds ("2024-03-01T00:00:00Z"),
// input may be any offset with fractions, so `new Date().toISOString()` is accepted.
export const scalars = {
  Decimal: { input: "string", output: "string" },
  DateTime: { input: "string", output: "string" },
  Date: { input: "string", output: "string" },
  CurrencyCode: { input: "string", output: "string" },
  CountryCode: { input: "string", output: "string" },
  JSON: { input: "import('../json').JsonValue", output: "import('../json').JsonValue" },
};

const config: CodegenConfig = {
  schema: "schema.graphql",
  documents: ["operations/**/*.graphql"],
  ignoreNoDocuments: false,
  generates: {
    "generated/": {
      preset: "client",
      // persisted-documents.json: the trusted documents file the server takes (INVOICEGRAPH_TRUSTED_DOCUMENTS_FILE);
      // clients then send `documentId: "sha256:<hash>"` instead of the text (docs/frontend.md). SHA-256, not
      // codegen's default SHA-1, which the server refuses at start.
      presetConfig: { fragmentMasking: false, persistedDocuments: { hashAlgorithm: "sha256" } },
      config: {
        scalars,
        // An unmapped custom scalar is an error, never `any`.
        strictScalars: true,
        defaultScalarType: "unknown",
        enumsAsTypes: true,
        useTypeImports: true,
      },
    },
    // Every type of the schema (ErrorCode included: no operation selects it, errors carry it).
    "generated/schema.ts": {
      plugins: ["typescript"],
      config: { scalars, strictScalars: true, defaultScalarType: "unknown", enumsAsTypes: true, useTypeImports: true },
    },
    // Apollo Client's InMemoryCache needs `possibleTypes` only to match fragments spread on an
    // interface (`... on InvoiceContent`); concrete types need nothing (docs/frontend.md).
    "generated/possible-types.json": {
      plugins: ["fragment-matcher"],
      config: { apolloClientVersion: 3 },
    },
  },
};

export default config;

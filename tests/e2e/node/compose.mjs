// Composes subgraphs into an Apollo Federation 2 supergraph, offline (@apollo/composition).
//
//   node compose.mjs --subgraph billing=http://127.0.0.1:8000/graphql@schema.graphql \
//                    --subgraph crm=http://127.0.0.1:4001/ [--out supergraph.graphql] [--header 'x-api-key: …']
//
// Each --subgraph is NAME=URL, optionally @SDL_FILE: the SDL is read from the file, else fetched
// from URL with `{ _service { sdl } }` (sending every --header, e.g. a credential for a subgraph
// that protects `_service`). The URL is where the gateway will send that subgraph's fetches.
// Writes the supergraph SDL to --out (or stdout) and a JSON summary {subgraphs, errors, hints} to
// stderr. Exits 1 when composition fails, 2 on a usage or fetch problem.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';

const { values: args } = parseArgs({
  options: {
    subgraph: { type: 'string', multiple: true, default: [] },
    header: { type: 'string', multiple: true, default: [] },
    out: { type: 'string' },
    timeout: { type: 'string', default: '10000' },
  },
});

function fail(message) {
  process.stderr.write(`compose: ${message}\n`);
  process.exit(2);
}

if (args.subgraph.length === 0) fail('give at least one --subgraph NAME=URL[@SDL_FILE]');
const headers = { 'content-type': 'application/json' };
for (const header of args.header) {
  const at = header.indexOf(':');
  if (at < 1) fail(`--header must look like 'name: value', got ${JSON.stringify(header)}`);
  headers[header.slice(0, at).trim().toLowerCase()] = header.slice(at + 1).trim();
}

async function fetchSdl(name, url) {
  let response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ query: '{ _service { sdl } }' }),
      signal: AbortSignal.timeout(Number(args.timeout)),
    });
  } catch (error) {
    fail(`subgraph ${name}: ${url} did not answer: ${error.message}`);
  }
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    fail(`subgraph ${name}: HTTP ${response.status}, not JSON: ${text.slice(0, 300)}`);
  }
  const sdl = body?.data?._service?.sdl;
  if (typeof sdl !== 'string') fail(`subgraph ${name}: HTTP ${response.status}, no _service.sdl: ${text.slice(0, 500)}`);
  return sdl;
}

const services = [];
for (const spec of args.subgraph) {
  const match = /^([A-Za-z][A-Za-z0-9_-]*)=([^@]+)(?:@(.+))?$/.exec(spec);
  if (!match) fail(`--subgraph must be NAME=URL[@SDL_FILE], got ${JSON.stringify(spec)}`);
  const [, name, url, file] = match;
  const sdl = file ? readFileSync(file, 'utf8') : await fetchSdl(name, url);
  services.push({ name, url, typeDefs: parse(sdl), source: file ? `file ${file}` : `${url} _service.sdl` });
}

const result = composeServices(services.map(({ name, url, typeDefs }) => ({ name, url, typeDefs })));
const summary = {
  subgraphs: services.map(({ name, url, source }) => ({ name, url, source })),
  errors: (result.errors || []).map((error) => ({ code: error.extensions?.code, message: error.message })),
  hints: (result.hints || []).map((hint) => ({ code: hint.definition?.code, message: hint.message })),
};
process.stderr.write(JSON.stringify(summary, null, 2) + '\n');
if (result.errors?.length) process.exit(1);

if (args.out) writeFileSync(args.out, result.supergraphSdl);
else process.stdout.write(result.supergraphSdl);

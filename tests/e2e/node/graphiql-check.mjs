#!/usr/bin/env node
// Drives invoicegraph's GraphiQL page in Debian's Chromium, as a person would:
// open <url>/graphql, paste the API key into the Headers tab, run the default query, read the result.
//
//   node tests/e2e/node/graphiql-check.mjs <base url> <api key> <screenshot.png> [platform id]
//
// The platform id goes into X-PLATFORM-ID, for a key that may act on several platforms.
//
// Prints {"result": <the result pane, parsed>, "requests": [...]} on stdout and exits 0; on any failure
// prints the reason on stderr and exits 1 (a screenshot is still attempted, for the post-mortem).
// Also checks the offline guarantee: every request the page makes goes to the page's own origin.
// The browser is the system's (CHROMIUM_PATH, default /usr/bin/chromium); never a downloaded one.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { chromium } from 'playwright-core';

const [baseUrl, apiKey, screenshotPath, platformId] = process.argv.slice(2);
if (!baseUrl || !apiKey || !screenshotPath) {
  console.error('usage: graphiql-check.mjs <base url> <api key> <screenshot.png> [platform id]');
  process.exit(2);
}
const executablePath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const TIMEOUT_MS = Number(process.env.GRAPHIQL_CHECK_TIMEOUT_MS || 30000);
const pageUrl = new URL('/graphql', baseUrl).href;
const origin = new URL(pageUrl).origin;

// Read a CodeMirror 5 editor's whole text (the DOM holds only the lines in view).
const editorText = (selector) =>
  `(() => { const el = document.querySelector(${JSON.stringify(selector)}); return el && el.CodeMirror ? el.CodeMirror.getValue() : null; })()`;
const HEADERS_EDITOR = '.graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror';
const RESPONSE_EDITOR = '.graphiql-response .CodeMirror';

const requests = [];
const pageErrors = [];
let browser;
let page;
let failure = null;
let output = null;

try {
  browser = await chromium.launch({
    executablePath,
    headless: true,
    // Playwright gives every launch a fresh, empty profile (its own --user-data-dir).
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, colorScheme: 'light' });
  // Record every request; refuse those that leave the origin, so an offline break fails fast and loudly
  // instead of hanging on a network that is not there.
  await context.route('**/*', (route) => {
    const url = route.request().url();
    return new URL(url).origin === origin ? route.continue() : route.abort('blockedbyclient');
  });
  page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT_MS);
  page.on('request', (request) => requests.push({ method: request.method(), url: request.url() }));
  page.on('pageerror', (error) => pageErrors.push(String(error)));

  // A browser navigation: Accept: text/html, so the service answers with the page, not JSON.
  const response = await page.goto(pageUrl, { waitUntil: 'load' });
  if (!response || response.status() !== 200) throw new Error(`GET ${pageUrl} answered ${response && response.status()}`);
  const contentType = response.headers()['content-type'] || '';
  if (!contentType.startsWith('text/html')) throw new Error(`GET ${pageUrl} answered ${contentType}, not text/html`);

  await page.locator('.graphiql-container').waitFor();
  await page.locator('.graphiql-query-editor .CodeMirror').waitFor();

  // Open the Headers tab (it is open by default; clicking keeps it open) and replace its content,
  // as a person pasting a key would.
  await page.getByRole('button', { name: 'Headers', exact: true }).click();
  const headersEditor = page.locator(HEADERS_EDITOR);
  await headersEditor.waitFor();
  const initialHeaders = JSON.parse(await page.evaluate(editorText(HEADERS_EDITOR)));
  if (initialHeaders['X-API-KEY'] !== '' || Object.values(initialHeaders).some((value) => value !== '')) {
    throw new Error(`the headers editor should start with an empty X-API-KEY, found ${JSON.stringify(initialHeaders)}`);
  }
  const headers = platformId ? { 'X-API-KEY': apiKey, 'X-PLATFORM-ID': platformId } : { 'X-API-KEY': apiKey };
  await headersEditor.click();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('Delete');
  await page.keyboard.insertText(JSON.stringify(headers, null, 2));
  const typedHeaders = await page.evaluate(editorText(HEADERS_EDITOR));
  if (JSON.parse(typedHeaders)['X-API-KEY'] !== apiKey) throw new Error(`the headers editor holds ${typedHeaders}`);

  await page.getByRole('button', { name: /^Execute query/ }).click();
  await page.waitForFunction(
    (selector) => {
      const el = document.querySelector(selector);
      const text = el && el.CodeMirror ? el.CodeMirror.getValue() : '';
      return text.includes('"errors"') || (text.includes('"invoices"') && text.includes('"edges"'));
    },
    RESPONSE_EDITOR,
    { timeout: TIMEOUT_MS },
  );
  const resultText = await page.evaluate(editorText(RESPONSE_EDITOR));
  const result = JSON.parse(resultText);
  if (result.errors) throw new Error(`the query answered errors: ${JSON.stringify(result.errors)}`);
  const edges = result.data && result.data.invoices && result.data.invoices.edges;
  if (!Array.isArray(edges) || edges.length === 0) throw new Error(`no invoice edges in ${resultText}`);

  // Credentials stay out of the URL and out of storage.
  const storage = await page.evaluate(() => JSON.stringify({ ...window.localStorage }) + JSON.stringify({ ...window.sessionStorage }));
  if (page.url().includes(apiKey)) throw new Error(`the page URL carries the key: ${page.url()}`);
  if (storage.includes(apiKey)) throw new Error(`the key was written to localStorage or sessionStorage: ${storage}`);
  for (const { url } of requests) if (url.includes(apiKey)) throw new Error(`a request URL carries the key: ${url}`);

  // The offline guarantee. data: URLs (inline fonts and icons) never touch the network.
  const foreign = requests.filter(({ url }) => !url.startsWith('data:') && new URL(url).origin !== origin);
  if (foreign.length) throw new Error(`the page asked other origins: ${foreign.map((r) => r.url).join(', ')}`);
  if (pageErrors.length) throw new Error(`uncaught errors in the page: ${pageErrors.join(' | ')}`);

  output = { result, requests, pageUrl: page.url() };
} catch (error) {
  failure = error;
} finally {
  if (page) {
    try {
      mkdirSync(dirname(screenshotPath), { recursive: true });
      await page.screenshot({ path: screenshotPath, fullPage: true });
    } catch (error) {
      failure = failure || new Error(`screenshot failed: ${error}`);
    }
  }
  if (browser) await browser.close().catch(() => {});
}

if (failure) {
  console.error(`graphiql-check: ${failure && failure.stack ? failure.stack : failure}`);
  if (requests.length) console.error(`requests: ${JSON.stringify(requests)}`);
  if (pageErrors.length) console.error(`page errors: ${JSON.stringify(pageErrors)}`);
  process.exit(1);
}
process.stdout.write(JSON.stringify(output) + '\n');

/*
 * invoicegraph: renders GraphiQL (vendored, see LICENSES.md) against this service's /graphql.
 *
 * Credentials: the headers editor starts with an empty X-API-KEY (and X-PLATFORM-ID); the user pastes a
 * key there. Nothing
 * reads a key from the URL or writes one into it, and headers are never persisted to localStorage, so a
 * key lives only in the open tab: shouldPersistHeaders is false, and because GraphiQL 3 still saves the
 * headers of every run in its history ("graphiql:queries"), its storage goes through headerFreeStorage.
 */
(function () {
  "use strict";

  var root = document.getElementById("graphiql");
  // Same origin, same path as the page (GET /graphql served it): also right behind a path prefix.
  var endpoint = window.location.pathname || root.getAttribute("data-endpoint");

  var DEFAULT_QUERY = [
    "# Put the API key in Headers below, then press Ctrl+Enter.",
    "{",
    "  invoices(first: 5) {",
    "    totalCount",
    "    edges {",
    "      node {",
    "        id",
    "        invoiceNumber",
    "        status",
    "        invoiceAmountIncludingTax { quantity currency }",
    "        customer { reference organization { legalName } }",
    "      }",
    "    }",
    "  }",
    "}",
    "",
  ].join("\n");

  // X-PLATFORM-ID is needed only by a credential that may act on several platforms (the demo key does).
  var DEFAULT_HEADERS = JSON.stringify({ "X-API-KEY": "", "X-PLATFORM-ID": "" }, null, 2);

  // An empty header is left out rather than sent: the service refuses an empty X-API-KEY (401), while
  // a request with no credential may still introspect the schema, which GraphiQL does on load.
  function withoutEmptyValues(headers) {
    var out = {};
    Object.keys(headers || {}).forEach(function (name) {
      var value = headers[name];
      if (value === undefined || value === null || String(value).trim() === "") return;
      out[name] = String(value);
    });
    return out;
  }

  // GraphiQL's storage (window.localStorage, keys "graphiql:*") minus every "headers" field: query
  // history and favourites keep query, variables and operation name; headers are never written.
  function stripHeaders(value) {
    if (Array.isArray(value)) return value.map(stripHeaders);
    if (value && typeof value === "object") {
      var out = {};
      Object.keys(value).forEach(function (name) {
        if (name !== "headers") out[name] = stripHeaders(value[name]);
      });
      return out;
    }
    return value;
  }

  var headerFreeStorage = {
    getItem: function (key) {
      return window.localStorage.getItem(key);
    },
    setItem: function (key, value) {
      if (key === "graphiql:headers") return;
      var stored = value;
      try {
        stored = JSON.stringify(stripHeaders(JSON.parse(value)));
      } catch (_) {
        // Not JSON (the query text, a theme name): nothing to strip.
      }
      window.localStorage.setItem(key, stored);
    },
    removeItem: function (key) {
      window.localStorage.removeItem(key);
    },
    clear: function () {
      Object.keys(window.localStorage).forEach(function (key) {
        if (key.indexOf("graphiql:") === 0) window.localStorage.removeItem(key);
      });
    },
    get length() {
      return Object.keys(window.localStorage).filter(function (key) {
        return key.indexOf("graphiql:") === 0;
      }).length;
    },
  };

  function fetcher(params, options) {
    var headers = Object.assign(
      { "Content-Type": "application/json", Accept: "application/graphql-response+json, application/json" },
      withoutEmptyValues(options && options.headers)
    );
    return fetch(endpoint, {
      method: "POST",
      headers: headers,
      body: JSON.stringify(params),
      credentials: "same-origin",
    }).then(function (response) {
      return response.text().then(function (text) {
        try {
          return JSON.parse(text);
        } catch (_) {
          // A refusal before GraphQL (a proxy, a body-size limit) may not be JSON: show it as an error.
          return { errors: [{ message: "HTTP " + response.status + ": " + text.slice(0, 2000) }] };
        }
      });
    });
  }

  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: DEFAULT_QUERY,
      defaultHeaders: DEFAULT_HEADERS,
      headers: DEFAULT_HEADERS,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
      storage: headerFreeStorage,
      defaultEditorToolsVisibility: "headers",
    })
  );
})();

"""Logs, metrics and tracing (docs/operations.md).

- `facts`: what one request learned about itself (a context variable inner layers fill);
- `access`: the outermost middleware: request id, access log line, request metrics, request span;
- `graphql`: the Strawberry extension that records operation name, type and outcome;
- `logging`: JSON or console lines, request id on every line, secrets scrubbed;
- `metrics`: the per-app Prometheus registry and `GET /metrics`;
- `loaders`: DataLoader batch sizes and spans;
- `tracing`: optional OpenTelemetry (the `tracing` extra);
- `setup`: builds all of it for one app from the settings.
"""

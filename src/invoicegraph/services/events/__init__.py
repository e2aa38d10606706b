"""Events that arrive: the outbox's committed events delivered as signed webhooks and to GraphQL subscriptions.

docs/events.md describes what receivers see; each module says how its part works:
`dispatch` (events → deliveries), `claims` (who sends what, and what came of it), `sender` (one signed
request), `worker` (the loop in every process), `endpoints` (the CLI's endpoints), `deliveries` (reading
and re-sending), `retention` (the purge), `notify` (PostgreSQL's announcements), `feed` (the GraphQL
subscriptions of a process), `background` (what a process runs).
"""

-- Indexes for the pages people wait on at a million cases (PAGES_PERF.md):
-- each serves one list's order or one report's range, so that a page reads
-- its rows rather than sorting or scanning the table. The partial ones
-- cover columns a new case leaves NULL, so opening a case does not pay
-- for them.

-- +goose Up
-- The "updated" view: the latest changed first.
CREATE INDEX cases_updated ON cases (updated_at, id);
CREATE INDEX cases_org_updated ON cases (org_id, updated_at, id);
-- The "breached" view and the dashboard's breaches, newest first.
CREATE INDEX cases_breached ON cases (created_at, id) WHERE breached_at IS NOT NULL;
CREATE INDEX cases_org_breached ON cases (org_id, created_at, id) WHERE breached_at IS NOT NULL;
-- The "mine" view: an agent's cases newest first.
CREATE INDEX cases_assignee_created ON cases (assignee_id, created_at, id) WHERE assignee_id IS NOT NULL;
-- A month's SLA report and the dashboard's days and months read the cases
-- received, resolved or closed in a range; org_id in the key lets a
-- scoped count skip the table, and the other columns let the dashboard
-- read resolution times and senior months, and the report join the
-- month's pauses, from the index alone.
CREATE INDEX cases_received ON cases (received_at, org_id, id);
CREATE INDEX cases_resolved ON cases (resolved_at, org_id, criticality, received_at) WHERE resolved_at IS NOT NULL;
CREATE INDEX cases_closed ON cases (closed_at, org_id) WHERE closed_at IS NOT NULL;
CREATE INDEX cases_senior ON cases (received_at, org_id, assignee_senior) WHERE senior_required;
-- No cases_backlog as on PostgreSQL: SQLite's planner took an index led
-- by state for every list filtered by state, and sorted all its cases
-- rather than reading cases_created until the page was full (the waiting
-- view went from 2 ms to 730 ms at 100,000 cases). The dashboard's backlog
-- reads the table here.
-- The reclassifications of a month's cases, without reading every entry.
CREATE INDEX case_entries_reclassified ON case_entries (case_id, seq) WHERE kind = 'reclassified';

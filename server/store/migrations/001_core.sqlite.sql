-- Core tables. Every table is keyed by tenant_id; times are Unix
-- milliseconds so both dialects compare them the same way.
CREATE TABLE policies (
	tenant_id TEXT NOT NULL,
	version INTEGER NOT NULL,
	document TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	created_by_oid TEXT NOT NULL,
	created_by_upn TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (tenant_id, version)
);

CREATE TABLE events (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	tenant_id TEXT NOT NULL,
	creation_time INTEGER NOT NULL,
	occurred_at INTEGER,
	user_oid TEXT NOT NULL,
	user_upn TEXT NOT NULL DEFAULT '',
	workload TEXT NOT NULL,
	operation TEXT NOT NULL,
	exception_reason TEXT NOT NULL DEFAULT '',
	action TEXT NOT NULL,
	rules TEXT NOT NULL,
	verdict_action TEXT NOT NULL,
	classification TEXT NOT NULL,
	policy_id TEXT NOT NULL,
	policy_version TEXT NOT NULL,
	justification TEXT NOT NULL DEFAULT '',
	evidence TEXT NOT NULL,
	message_ref TEXT NOT NULL DEFAULT '',
	client_host TEXT NOT NULL DEFAULT '',
	client_platform TEXT NOT NULL DEFAULT '',
	client_version TEXT NOT NULL DEFAULT '',
	addin_version TEXT NOT NULL DEFAULT ''
);
CREATE INDEX events_tenant_id ON events (tenant_id, id);
CREATE INDEX events_tenant_time ON events (tenant_id, creation_time);

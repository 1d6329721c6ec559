-- The auditor's state per mailbox: the delta link to resume from and the
-- lease that lets several replicas share mailboxes without syncing one
-- twice at once. Times are Unix milliseconds.
CREATE TABLE audit_mailboxes (
	tenant_id TEXT NOT NULL,
	mailbox TEXT NOT NULL,
	graph_id TEXT NOT NULL DEFAULT '',
	delta_link TEXT NOT NULL DEFAULT '',
	synced_at BIGINT NOT NULL DEFAULT 0,
	status TEXT NOT NULL DEFAULT '',
	last_error TEXT NOT NULL DEFAULT '',
	messages BIGINT NOT NULL DEFAULT 0,
	lease_holder TEXT NOT NULL DEFAULT '',
	lease_until BIGINT NOT NULL DEFAULT 0,
	PRIMARY KEY (tenant_id, mailbox)
);

-- One row per audited message: the ledger that makes auditing exactly
-- once. It holds ids and the verdict, never content.
CREATE TABLE audit_messages (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	tenant_id TEXT NOT NULL,
	mailbox TEXT NOT NULL,
	graph_id TEXT NOT NULL,
	internet_message_id TEXT NOT NULL DEFAULT '',
	sent_at BIGINT NOT NULL,
	audited_at BIGINT NOT NULL,
	action TEXT NOT NULL,
	classification TEXT NOT NULL,
	removed_at BIGINT NOT NULL DEFAULT 0,
	UNIQUE (tenant_id, mailbox, graph_id)
);
CREATE UNIQUE INDEX audit_messages_imid ON audit_messages (tenant_id, mailbox, internet_message_id) WHERE internet_message_id <> '';

-- Findings: masked evidence, hashed recipients, never subject or body.
CREATE TABLE audit_findings (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	message_id BIGINT NOT NULL REFERENCES audit_messages (id),
	tenant_id TEXT NOT NULL,
	mailbox TEXT NOT NULL,
	graph_id TEXT NOT NULL,
	internet_message_id TEXT NOT NULL,
	rule TEXT NOT NULL,
	severity TEXT NOT NULL,
	action TEXT NOT NULL,
	classification TEXT NOT NULL,
	sent_at BIGINT NOT NULL,
	detected_at BIGINT NOT NULL,
	evidence TEXT NOT NULL,
	recipient_hashes TEXT NOT NULL,
	recipient_count INTEGER NOT NULL,
	policy_id TEXT NOT NULL,
	policy_version TEXT NOT NULL,
	UNIQUE (message_id, rule)
);
CREATE INDEX audit_findings_tenant ON audit_findings (tenant_id, id);

-- The breach register, with the ICO's 72-hour clock.
CREATE TABLE audit_breaches (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	tenant_id TEXT NOT NULL,
	message_id BIGINT NOT NULL UNIQUE REFERENCES audit_messages (id),
	mailbox TEXT NOT NULL,
	graph_id TEXT NOT NULL,
	internet_message_id TEXT NOT NULL,
	rule TEXT NOT NULL,
	rules TEXT NOT NULL,
	classification TEXT NOT NULL,
	detected_at BIGINT NOT NULL,
	deadline_at BIGINT NOT NULL,
	affected INTEGER NOT NULL,
	evidence TEXT NOT NULL,
	status TEXT NOT NULL,
	reason TEXT NOT NULL DEFAULT '',
	ico_reference TEXT NOT NULL DEFAULT '',
	notes TEXT NOT NULL DEFAULT '',
	updated_at BIGINT NOT NULL,
	updated_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_breaches_tenant ON audit_breaches (tenant_id, id);

-- Who changed which breach, when, from what to what.
CREATE TABLE audit_breach_events (
	id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	breach_id BIGINT NOT NULL REFERENCES audit_breaches (id),
	tenant_id TEXT NOT NULL,
	at BIGINT NOT NULL,
	actor TEXT NOT NULL,
	from_status TEXT NOT NULL,
	to_status TEXT NOT NULL,
	note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_breach_events_breach ON audit_breach_events (breach_id, id);

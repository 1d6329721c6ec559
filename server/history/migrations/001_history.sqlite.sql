-- Recipient history: per tenant and sender, who they have sent to. Keys are
-- HMAC-SHA256 of the normalised address under the deployment's key, so the
-- table can be counted and joined without holding addresses in the clear;
-- the address itself is kept sealed (AES-256-GCM) because lookalike
-- detection needs the raw form (see docs/graph.md, "Recipient history").
CREATE TABLE recipient_history (
	tenant_id TEXT NOT NULL,
	sender TEXT NOT NULL,
	recipient TEXT NOT NULL,
	sealed BLOB NOT NULL,
	sent_count INTEGER NOT NULL,
	last_sent BIGINT NOT NULL,
	PRIMARY KEY (tenant_id, sender, recipient)
);

-- The deployment's history key when SENDGUARD_HISTORY_KEY is not set:
-- generated once, so a single-machine install works out of the box.
CREATE TABLE recipient_history_key (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	key BLOB NOT NULL
);

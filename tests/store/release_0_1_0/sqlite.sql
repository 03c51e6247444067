-- sentry-bot 0.1.0 (the last release with bot/store/schema.py versions): the DDL its migrate() ran
-- on a new sqlite database, captured statement by statement, then the rows it recorded.
-- tests/store/test_migrations.py builds a database of that release from this file.

CREATE TABLE schema_version (
	component VARCHAR(64) NOT NULL, 
	version INTEGER NOT NULL, 
	updated_at FLOAT NOT NULL, 
	CONSTRAINT pk_schema_version PRIMARY KEY (component)
);

CREATE TABLE webhook_outbox (
	id INTEGER NOT NULL, 
	source VARCHAR(16) NOT NULL, 
	resource VARCHAR(32) NOT NULL, 
	action VARCHAR(32) NOT NULL, 
	hook VARCHAR(64), 
	payload JSON NOT NULL, 
	received_at FLOAT NOT NULL, 
	routed_at FLOAT, 
	error TEXT, 
	CONSTRAINT pk_webhook_outbox PRIMARY KEY (id)
);

CREATE INDEX ix_webhook_outbox_pending ON webhook_outbox (id) WHERE routed_at IS NULL;

CREATE TABLE dedupe_keys (
	"key" VARCHAR(200) NOT NULL, 
	created_at FLOAT NOT NULL, 
	CONSTRAINT pk_dedupe_keys PRIMARY KEY ("key")
);

CREATE TABLE subscriptions (
	id INTEGER NOT NULL, 
	channel_id VARCHAR(32) NOT NULL, 
	project VARCHAR(100) NOT NULL, 
	levels JSON NOT NULL, 
	environments JSON NOT NULL, 
	events JSON NOT NULL, 
	threads BOOLEAN NOT NULL, 
	created_by VARCHAR(32) NOT NULL, 
	created_at FLOAT NOT NULL, 
	broken_reason TEXT, 
	broken_at FLOAT, 
	CONSTRAINT pk_subscriptions PRIMARY KEY (id), 
	CONSTRAINT uq_subscriptions_channel_id_project UNIQUE (channel_id, project)
);

CREATE INDEX ix_subscriptions_project ON subscriptions (project);

CREATE TABLE hook_secrets (
	hook_id VARCHAR(64) NOT NULL, 
	project VARCHAR(100) NOT NULL, 
	url TEXT NOT NULL, 
	secret TEXT NOT NULL, 
	created_at FLOAT NOT NULL, 
	CONSTRAINT pk_hook_secrets PRIMARY KEY (hook_id)
);

CREATE TABLE slack_channels (
	channel_id VARCHAR(32) NOT NULL, 
	due_at FLOAT, 
	next_allowed_at FLOAT NOT NULL, 
	lease_owner VARCHAR(64), 
	lease_until FLOAT, 
	CONSTRAINT pk_slack_channels PRIMARY KEY (channel_id)
);

CREATE INDEX ix_slack_channels_due_at ON slack_channels (due_at);

CREATE TABLE alert_messages (
	channel_id VARCHAR(32) NOT NULL, 
	issue_key VARCHAR(80) NOT NULL, 
	issue_id VARCHAR(32), 
	project VARCHAR(100), 
	ts VARCHAR(32), 
	alert JSON NOT NULL, 
	status VARCHAR(16), 
	assignee VARCHAR(200), 
	alerts INTEGER NOT NULL, 
	events INTEGER NOT NULL, 
	escalated INTEGER NOT NULL, 
	updated_at FLOAT NOT NULL, 
	CONSTRAINT pk_alert_messages PRIMARY KEY (channel_id, issue_key)
);

CREATE INDEX ix_alert_messages_issue_id ON alert_messages (issue_id);

CREATE TABLE digests (
	id INTEGER NOT NULL, 
	channel_id VARCHAR(32) NOT NULL, 
	ts VARCHAR(32), 
	entries JSON NOT NULL, 
	total INTEGER NOT NULL, 
	opened_at FLOAT NOT NULL, 
	last_folded_at FLOAT NOT NULL, 
	synced_at FLOAT, 
	dirty BOOLEAN NOT NULL, 
	in_flight_at FLOAT, 
	closed BOOLEAN NOT NULL, 
	CONSTRAINT pk_digests PRIMARY KEY (id)
);

CREATE INDEX ix_digests_channel_id_closed ON digests (channel_id, closed);

CREATE TABLE audit_log (
	id INTEGER NOT NULL, 
	at FLOAT NOT NULL, 
	slack_user_id VARCHAR(32) NOT NULL, 
	member_email VARCHAR(320), 
	command VARCHAR(64) NOT NULL, 
	text TEXT NOT NULL, 
	target VARCHAR(255), 
	result VARCHAR(16) NOT NULL, 
	CONSTRAINT pk_audit_log PRIMARY KEY (id)
);

CREATE INDEX ix_audit_log_at ON audit_log (at);

CREATE TABLE identity_overrides (
	slack_user_id VARCHAR(32) NOT NULL, 
	email VARCHAR(320) NOT NULL, 
	set_by VARCHAR(32) NOT NULL, 
	set_at FLOAT NOT NULL, 
	CONSTRAINT pk_identity_overrides PRIMARY KEY (slack_user_id)
);

CREATE TABLE deliveries (
	id INTEGER NOT NULL, 
	outbox_id INTEGER, 
	channel_id VARCHAR(32) NOT NULL, 
	kind VARCHAR(16) NOT NULL, 
	issue_key VARCHAR(80), 
	payload JSON NOT NULL, 
	threads BOOLEAN NOT NULL, 
	status VARCHAR(10) NOT NULL, 
	created_at FLOAT NOT NULL, 
	attempts INTEGER NOT NULL, 
	in_flight_at FLOAT, 
	ts VARCHAR(32), 
	digest_id INTEGER, 
	done_at FLOAT, 
	error TEXT, 
	CONSTRAINT pk_deliveries PRIMARY KEY (id), 
	CONSTRAINT fk_deliveries_outbox_id_webhook_outbox FOREIGN KEY(outbox_id) REFERENCES webhook_outbox (id) ON DELETE SET NULL, 
	CONSTRAINT fk_deliveries_digest_id_digests FOREIGN KEY(digest_id) REFERENCES digests (id) ON DELETE SET NULL
);

CREATE INDEX ix_deliveries_pending ON deliveries (channel_id, id) WHERE status = 'pending';

INSERT INTO schema_version (component, version, updated_at) VALUES ('alerts', 1, 1764000000.0);

INSERT INTO schema_version (component, version, updated_at) VALUES ('audit', 1, 1764000000.0);

INSERT INTO schema_version (component, version, updated_at) VALUES ('identity', 1, 1764000000.0);

CREATE TABLE runs (
	id           INTEGER PRIMARY KEY,
	started_at   INTEGER NOT NULL,
	finished_at  INTEGER,
	status       TEXT    NOT NULL,
	summary_json BLOB
) STRICT;
CREATE TABLE submissions (
	id           INTEGER PRIMARY KEY,
	run_id       INTEGER REFERENCES runs(id),
	claim_name   TEXT    NOT NULL UNIQUE,
	unit_code    TEXT    NOT NULL,
	period       TEXT    NOT NULL,
	orig_name    TEXT    NOT NULL,
	archive_path TEXT    NOT NULL,
	sha256       TEXT    NOT NULL,
	status       TEXT    NOT NULL CHECK (status IN ('accepted', 'rejected', 'duplicate')),
	received_at  INTEGER NOT NULL
, values_json TEXT, cells_json TEXT) STRICT;
CREATE INDEX submissions_period ON submissions (period, status, unit_code, received_at DESC, id DESC);
CREATE INDEX submissions_unit ON submissions (unit_code, period, received_at, id);
CREATE INDEX submissions_run ON submissions (run_id);
CREATE TABLE findings (
	submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
	seq           INTEGER NOT NULL,
	rule          TEXT    NOT NULL,
	severity      TEXT    NOT NULL CHECK (severity IN ('error', 'warning')),
	sheet         TEXT    NOT NULL,
	cell          TEXT    NOT NULL,
	values_json   TEXT,
	message       TEXT    NOT NULL,
	fix           TEXT    NOT NULL, explanation TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (submission_id, seq)
) STRICT, WITHOUT ROWID;
CREATE VIEW submission_values AS
	SELECT s.id AS submission_id, j.key AS code, j.value AS value
	FROM submissions s, json_each(s.values_json) j;
CREATE TABLE period_changes (
	id     INTEGER PRIMARY KEY,
	period TEXT    NOT NULL,
	state  TEXT    NOT NULL CHECK (state IN ('open', 'closed')),
	at     INTEGER NOT NULL,
	reason TEXT    NOT NULL
) STRICT;
CREATE INDEX period_changes_period ON period_changes (period, id);
CREATE TABLE "briefings" (
	issue       INTEGER PRIMARY KEY,
	period      TEXT    NOT NULL,
	inputs_hash TEXT    NOT NULL,
	path        TEXT    NOT NULL,
	totals_json BLOB    NOT NULL,
	at          INTEGER NOT NULL,
	date        TEXT    NOT NULL DEFAULT '',
	render_json BLOB
) STRICT;
CREATE TABLE issue_counted (
	issue         INTEGER NOT NULL REFERENCES briefings(issue),
	unit_code     TEXT    NOT NULL,
	submission_id INTEGER NOT NULL REFERENCES submissions(id),
	sha256        TEXT    NOT NULL,
	PRIMARY KEY (issue, unit_code)
) STRICT, WITHOUT ROWID;
CREATE TABLE issue_files (
	issue INTEGER NOT NULL REFERENCES briefings(issue),
	name  TEXT    NOT NULL,
	data  BLOB    NOT NULL,
	PRIMARY KEY (issue, name)
) STRICT, WITHOUT ROWID;
CREATE TABLE accounts (
	name         TEXT    PRIMARY KEY,
	unit_code    TEXT    NOT NULL,
	hash         TEXT    NOT NULL,
	disabled     INTEGER NOT NULL,
	failures     INTEGER NOT NULL,
	locked_until INTEGER NOT NULL,
	created_at   INTEGER NOT NULL,
	changed_at   INTEGER NOT NULL
) STRICT;
CREATE TABLE web_sessions (
	token_hash TEXT    PRIMARY KEY,
	account    TEXT    NOT NULL REFERENCES accounts(name),
	csrf       TEXT    NOT NULL,
	remote     TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX web_sessions_account ON web_sessions (account);
CREATE TABLE web_actions (
	id        INTEGER PRIMARY KEY,
	at        INTEGER NOT NULL,
	account   TEXT    NOT NULL,
	remote    TEXT    NOT NULL,
	action    TEXT    NOT NULL,
	unit_code TEXT    NOT NULL,
	detail    TEXT    NOT NULL,
	ok        INTEGER NOT NULL
) STRICT;
CREATE INDEX web_actions_unit ON web_actions (unit_code, id);
CREATE INDEX submissions_origin ON submissions (sha256, received_at, id, unit_code, period, status)
	WHERE status <> 'duplicate';
CREATE INDEX submissions_unarchived ON submissions (id) WHERE archive_path = '';

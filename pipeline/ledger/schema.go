package ledger

import _ "embed"

// freshSchema is the schema a new SQLite ledger gets in one step: the
// statements SQLite keeps (sqlite_schema) in a file brought up by every
// migration, in their order. Running the eight steps cost a new ledger
// about 1 ms more of a county's cold batch, most of it SQLite parsing the
// whole schema again after each ALTER TABLE. TestFreshSchemaIsMigrated
// keeps it equal to the migrations' result and rewrites it with -update;
// a new migration is appended below and the file regenerated.
//
//go:embed schema.sql
var freshSchema string

// migrations returns the schema changes in order; migration i brings the
// file from user_version i to i+1. Append only: a released migration is
// never edited, because files in the field have already run it.
//
// Times are INTEGER nanoseconds since the Unix epoch (UTC), so that
// ordering by time is ordering by number whatever the offset of the clock
// that wrote them. Tables are STRICT so that a value of the wrong type is
// an error, not a silent conversion.
func migrations() []string {
	return []string{`
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
) STRICT;

-- Current, Returned and Status: latest per unit within a period and status.
CREATE INDEX submissions_period ON submissions (period, status, unit_code, received_at DESC, id DESC);
-- History and Previous.
CREATE INDEX submissions_unit ON submissions (unit_code, period, received_at, id);
-- BySHA.
CREATE INDEX submissions_sha ON submissions (sha256, received_at, id);
CREATE INDEX submissions_run ON submissions (run_id);

CREATE TABLE submission_values (
	submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
	code          TEXT    NOT NULL,
	value         REAL    NOT NULL,
	PRIMARY KEY (submission_id, code)
) STRICT, WITHOUT ROWID;

CREATE TABLE findings (
	submission_id INTEGER NOT NULL REFERENCES submissions(id) ON DELETE CASCADE,
	seq           INTEGER NOT NULL,
	rule          TEXT    NOT NULL,
	severity      TEXT    NOT NULL CHECK (severity IN ('error', 'warning')),
	sheet         TEXT    NOT NULL,
	cell          TEXT    NOT NULL,
	values_json   TEXT,
	message       TEXT    NOT NULL,
	fix           TEXT    NOT NULL,
	PRIMARY KEY (submission_id, seq)
) STRICT, WITHOUT ROWID;

CREATE TABLE briefings (
	issue       INTEGER PRIMARY KEY,
	period      TEXT    NOT NULL,
	inputs_hash TEXT    NOT NULL UNIQUE,
	path        TEXT    NOT NULL,
	totals_json BLOB    NOT NULL,
	at          INTEGER NOT NULL
) STRICT;
`, `
-- A form's values as one JSON object on its submission row: thirty rows
-- per form made recording a large batch the ledger's slowest step. The
-- view keeps the old table's shape for the office's own queries. Values
-- written by Go's encoding/json read back bit for bit; values moved here
-- from the old table pass through SQLite's JSON, whose 15 significant
-- digits are more than a form's figures carry.
ALTER TABLE submissions ADD COLUMN values_json TEXT;
UPDATE submissions SET values_json = (
	SELECT json_group_object(code, value) FROM submission_values v WHERE v.submission_id = submissions.id)
	WHERE id IN (SELECT submission_id FROM submission_values);
DROP TABLE submission_values;
CREATE VIEW submission_values AS
	SELECT s.id AS submission_id, j.key AS code, j.value AS value
	FROM submissions s, json_each(s.values_json) j;
`, `
-- Where each value was read ("sheet!A1" by indicator code), so that a
-- county figure can be traced to the cells behind it. Rows recorded
-- before this column have NULL: their cells were never kept.
ALTER TABLE submissions ADD COLUMN cells_json TEXT;
`, `
-- Each change of a period's state (closed, reopened), never updated or
-- deleted: the state is the latest row, and a period with none is open.
-- The reason is the office's own words, required to reopen.
CREATE TABLE period_changes (
	id     INTEGER PRIMARY KEY,
	period TEXT    NOT NULL,
	state  TEXT    NOT NULL CHECK (state IN ('open', 'closed')),
	at     INTEGER NOT NULL,
	reason TEXT    NOT NULL
) STRICT;
CREATE INDEX period_changes_period ON period_changes (period, id);
`, `
-- Issues are published by the office, no longer numbered by batches: two
-- issues may be made of the same inputs (a revert after an edit), so the
-- inputs hash is no longer unique. What an issue counted and what it was
-- rendered from are kept with it so that it can be printed again byte for
-- byte. Issues numbered before this have no date, render_json, files or
-- counted rows: they cannot be reprinted.
CREATE TABLE briefings_published (
	issue       INTEGER PRIMARY KEY,
	period      TEXT    NOT NULL,
	inputs_hash TEXT    NOT NULL,
	path        TEXT    NOT NULL,
	totals_json BLOB    NOT NULL,
	at          INTEGER NOT NULL,
	date        TEXT    NOT NULL DEFAULT '',
	render_json BLOB
) STRICT;
INSERT INTO briefings_published (issue, period, inputs_hash, path, totals_json, at)
	SELECT issue, period, inputs_hash, path, totals_json, at FROM briefings;
DROP TABLE briefings;
ALTER TABLE briefings_published RENAME TO briefings;

-- Per unit, the submission an issue counted, with the hash of its bytes
-- so that the archived file can be checked before a reprint.
CREATE TABLE issue_counted (
	issue         INTEGER NOT NULL REFERENCES briefings(issue),
	unit_code     TEXT    NOT NULL,
	submission_id INTEGER NOT NULL REFERENCES submissions(id),
	sha256        TEXT    NOT NULL,
	PRIMARY KEY (issue, unit_code)
) STRICT, WITHOUT ROWID;

-- The workspace files an issue was rendered from (config.yaml, units.yaml,
-- indicators.yaml, templates/…), as they were: later edits change drafts
-- and later issues, never a reprint.
CREATE TABLE issue_files (
	issue INTEGER NOT NULL REFERENCES briefings(issue),
	name  TEXT    NOT NULL,
	data  BLOB    NOT NULL,
	PRIMARY KEY (issue, name)
) STRICT, WITHOUT ROWID;
`, `
-- What the unit wrote in the 說明 column beside a flagged figure: a
-- warning with one is explained.
ALTER TABLE findings ADD COLUMN explanation TEXT NOT NULL DEFAULT '';
`, `
-- The web desk: its accounts (a unit's, or the office's with unit_code
-- ''), the sessions of logged-in browsers (a hash of the cookie's token,
-- never the token) and every action done or refused there, with the
-- account and the address it came from. Actions are never updated.
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
`, `
-- Origins and BySHA ask for the first file with some content that is not
-- a duplicate. The index holds what Origins returns (unit, period,
-- status), so the answer comes from the index alone: when every unit sends
-- its file again, the old index sent each lookup on to the row, a page
-- of the table per file. Duplicates are left out of it, as both queries
-- leave them out, so a batch of re-sent files does not write to it at all.
DROP INDEX submissions_sha;
CREATE INDEX submissions_origin ON submissions (sha256, received_at, id, unit_code, period, status)
	WHERE status <> 'duplicate';
`, `
-- Unarchived asks at the start of every batch for the records whose file
-- is not yet known to be in the archive. A batch killed between moving its
-- files and noting where they went leaves some; otherwise there are none,
-- yet finding none was a scan of the whole table: 0.18 s of a quiet batch
-- at 73,000 units. The index holds only the rows waiting for their path,
-- a group's at most, and a batch adds and removes each row's entry at its
-- end, as ids grow.
CREATE INDEX submissions_unarchived ON submissions (id) WHERE archive_path = '';
`}
}

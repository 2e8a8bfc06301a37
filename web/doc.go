// Package web is the web desk: a second face of the program, beside the
// inbox folder and never instead of it, for the office's network.
//
// A unit logs in as that unit only, downloads its blank form, uploads a
// filled one and reads, at once, the verdict `countybrief check` gives
// (pipeline.CheckOwnFile), sends it (the file enters inbox/<code>/ through
// safefile, as a dropped file does, and the next batch judges it), and
// reads its history, its state and its 退回 workbooks. The office reads
// the county at a glance (pipeline.Status), the draft, the reasons units
// were returned and where any figure comes from (pipeline.Explain), and
// publishes, closes and reopens through the functions the commands call.
//
// Security: argon2id password hashes; sessions recorded in the ledger by a
// hash of the cookie's token, HttpOnly, SameSite=Strict, Secure under TLS,
// expiring; a token on every form and net/http.CrossOriginProtection; a
// login rate limit per address and a lock-out per account; uploads capped
// before parsing and judged with the batch's reader limits; no file path
// ever made from a request (a unit's code is looked up in the registry,
// a file chosen from a folder listing). Every action, and every refusal of
// one, is a ledger row with the account and the address.
//
// Pages are server-rendered html/template, usable without JavaScript, in
// the workspace's script; charts are inline SVG.
package web

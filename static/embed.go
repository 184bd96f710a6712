// Package static holds the agent's web page (the CTI toolbar). It is plain
// HTML, CSS and JavaScript with no build step of its own, embedded so that
// the one binary serves it: "/" is index.html, then /agent.js, /agent.css
// /phone.js (the browser phone), /team.js (the supervisor's team panel),
// /directory.js (the directory under the transfer, conference and dial
// fields), /text.js (the words those three share) and /favicon.svg (the
// icon of every page, the admin pages' too).
//
// vendor/ holds third-party JavaScript that make bundles from npm packages
// (package-lock.json) before it builds, runs or tests: today
// vendor/jssip.min.js. Those files are never committed; only vendor's
// README.md is, so the pattern below matches on a fresh clone too, and the
// page says "phone unavailable" when the bundle is missing.
// The page speaks only the contract in docs/cti-protocol.md.
package static

import "embed"

// Files is the agent page, served at the root of the web server.
//
//go:embed index.html agent.js agent.css phone.js team.js directory.js text.js favicon.svg vendor
var Files embed.FS

// Package static holds the agent's web page (the CTI toolbar). It is plain
// HTML, CSS and JavaScript with no build step, embedded so that the one
// binary serves it: "/" is index.html, then /agent.js and /agent.css.
// The page speaks only the contract in docs/cti-protocol.md.
package static

import "embed"

// Files is the agent page, served at the root of the web server.
//
//go:embed index.html agent.js agent.css
var Files embed.FS

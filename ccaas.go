// Package ccaas is the contact center's model: the ids, the configuration a
// tenant is made of (agents, queues, settings), the records kept of calls and
// agent states, the store interface and the errors a store answers with.
//
// It imports nothing of ours, so that every other package may import it: the
// call logic (app), the pure logic (report, validate), the store (sqlite), the
// browser contract (cti) and the web front (http). Packages named after a
// dependency implement what the model declares, as in benbjohnson/wtf.
package ccaas

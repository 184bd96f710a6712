package ari

import "strings"

// RouteOther is the route of a path that matches no ARI route.
const RouteOther = "other"

// routes are ARI's REST paths (Asterisk 22's Swagger files) with every id
// written as a placeholder. Route maps a request path onto one of them, so
// metrics labelled by route have a fixed, small set of values however many
// channels and bridges come and go.
var routes = []string{
	"/applications",
	"/applications/{name}",
	"/applications/{name}/eventFilter",
	"/applications/{name}/subscription",
	"/asterisk/config/dynamic/{class}/{type}/{id}",
	"/asterisk/info",
	"/asterisk/logging",
	"/asterisk/logging/{name}",
	"/asterisk/logging/{name}/rotate",
	"/asterisk/modules",
	"/asterisk/modules/{name}",
	"/asterisk/ping",
	"/asterisk/variable",
	"/bridges",
	"/bridges/{id}",
	"/bridges/{id}/addChannel",
	"/bridges/{id}/moh",
	"/bridges/{id}/play",
	"/bridges/{id}/play/{playbackId}",
	"/bridges/{id}/record",
	"/bridges/{id}/removeChannel",
	"/bridges/{id}/variable",
	"/bridges/{id}/variables",
	"/bridges/{id}/videoSource",
	"/bridges/{id}/videoSource/{channelId}",
	"/channels",
	"/channels/create",
	"/channels/externalMedia",
	"/channels/{id}",
	"/channels/{id}/answer",
	"/channels/{id}/continue",
	"/channels/{id}/dial",
	"/channels/{id}/dtmf",
	"/channels/{id}/hold",
	"/channels/{id}/moh",
	"/channels/{id}/move",
	"/channels/{id}/mute",
	"/channels/{id}/play",
	"/channels/{id}/play/{playbackId}",
	"/channels/{id}/progress",
	"/channels/{id}/record",
	"/channels/{id}/redirect",
	"/channels/{id}/ring",
	"/channels/{id}/rtp_statistics",
	"/channels/{id}/silence",
	"/channels/{id}/snoop",
	"/channels/{id}/snoop/{snoopId}",
	"/channels/{id}/transfer_progress",
	"/channels/{id}/variable",
	"/channels/{id}/variables",
	"/deviceStates",
	"/deviceStates/{name}",
	"/endpoints",
	"/endpoints/refer",
	"/endpoints/sendMessage",
	"/endpoints/{tech}",
	"/endpoints/{tech}/{resource}",
	"/endpoints/{tech}/{resource}/refer",
	"/endpoints/{tech}/{resource}/sendMessage",
	"/events",
	"/events/user/{name}",
	"/mailboxes",
	"/mailboxes/{name}",
	"/playbacks/{id}",
	"/playbacks/{id}/control",
	"/recordings/live/{name}",
	"/recordings/live/{name}/mute",
	"/recordings/live/{name}/pause",
	"/recordings/live/{name}/stop",
	"/recordings/stored",
	"/recordings/stored/{name}",
	"/recordings/stored/{name}/copy",
	"/recordings/stored/{name}/file",
	"/sounds",
	"/sounds/{id}",
}

// maxRouteSegments is the most segments an ARI route has; a longer path is
// "other" without being walked.
const maxRouteSegments = 6

// routeNode is one segment of the route tree: literal children are tried
// before the placeholder, so "/channels/create" is not "/channels/{id}".
type routeNode struct {
	literal map[string]*routeNode
	param   *routeNode
	route   string // set where a route ends
}

var routeTree = buildRouteTree(routes)

func buildRouteTree(rs []string) *routeNode {
	root := &routeNode{}
	for _, r := range rs {
		n := root
		for _, seg := range strings.Split(strings.TrimPrefix(r, "/"), "/") {
			if strings.HasPrefix(seg, "{") {
				if n.param == nil {
					n.param = &routeNode{}
				}
				n = n.param
				continue
			}
			if n.literal == nil {
				n.literal = map[string]*routeNode{}
			}
			if n.literal[seg] == nil {
				n.literal[seg] = &routeNode{}
			}
			n = n.literal[seg]
		}
		n.route = r
	}
	return root
}

// Route maps a request path relative to the ARI root ("/channels/c-1/answer",
// ids path-escaped as the client sends them) to its route with placeholders
// ("/channels/{id}/answer"). A query is ignored; anything that is not an ARI
// route (empty segments, too many segments, unknown names) is RouteOther. The
// result is always one of a fixed set of strings.
func Route(path string) string {
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	if !strings.HasPrefix(path, "/") || strings.Count(path, "/") > maxRouteSegments {
		return RouteOther
	}
	var segs [maxRouteSegments]string
	n := 0
	for seg := range strings.SplitSeq(path[1:], "/") {
		if seg == "" {
			return RouteOther
		}
		segs[n] = seg
		n++
	}
	if r := routeTree.match(segs[:n]); r != "" {
		return r
	}
	return RouteOther
}

// match walks the tree; a literal that leads nowhere falls back to the
// placeholder ("/channels/create/answer" is the answer of a channel named
// "create").
func (n *routeNode) match(segs []string) string {
	if len(segs) == 0 {
		return n.route
	}
	if next := n.literal[segs[0]]; next != nil {
		if r := next.match(segs[1:]); r != "" {
			return r
		}
	}
	if n.param != nil {
		return n.param.match(segs[1:])
	}
	return ""
}

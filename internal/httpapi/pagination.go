package httpapi

import (
	"net/url"
	"strconv"
)

// PageQuery (exported so huma reads the embedded query parameters) is the keyset-pagination part of a list operation's input.
type PageQuery struct {
	Limit  int    `query:"limit" doc:"Page size: default 50, values above 100 are treated as 100" example:"20"`
	Cursor string `query:"cursor" doc:"Opaque cursor from the previous page's Link header"`
}

// nextLink is the RFC 8288 Link header for the page after cursor on path, or "" on the last page.
func (s *Server) nextLink(p *PageQuery, path, cursor string) string {
	if cursor == "" {
		return ""
	}
	return s.link(path, pageParams("cursor", cursor, p.Limit), "next")
}

// pageParams is the query of a page link: the cursor under its parameter name,
// and the page size when the client chose one.
func pageParams(name, cursor string, limit int) url.Values {
	q := url.Values{name: {cursor}}
	if limit != 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	return q
}

// link is one RFC 8288 Link header value. The target is absolute under
// PUBLIC_URL when that is set, and otherwise a relative reference (RFC 3986
// section 4.2), which clients resolve against the URL they asked for. It is never
// built from the request's Host or forwarding headers: any client can set those,
// and a link a shared cache keeps would then point other clients elsewhere.
func (s *Server) link(path string, q url.Values, rel string) string {
	return "<" + s.deps.PublicURL + path + "?" + q.Encode() + `>; rel="` + rel + `"`
}

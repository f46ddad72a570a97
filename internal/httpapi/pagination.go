package httpapi

import (
	"net/url"
	"strconv"

	"github.com/danielgtaylor/huma/v2"
)

// PageQuery (exported so huma reads the embedded query parameters) is the keyset-pagination part of a list operation's input.
type PageQuery struct {
	Limit  int    `query:"limit" doc:"Page size: default 50, values above 100 are treated as 100" example:"20"`
	Cursor string `query:"cursor" doc:"Opaque cursor from the previous page's Link header"`
	base   string // scheme://host of this request, for the Link header
}

// Resolve captures the request's base URL, which the Link header needs.
func (p *PageQuery) Resolve(ctx huma.Context) []error {
	scheme := "http"
	if ctx.TLS() != nil {
		scheme = "https"
	}
	p.base = scheme + "://" + ctx.Host()
	return nil
}

// nextLink is the RFC 8288 Link header for the page after cursor on path, or "" on the last page.
func (s *Server) nextLink(p *PageQuery, path, cursor string) string {
	if cursor == "" {
		return ""
	}
	base := s.deps.PublicURL
	if base == "" {
		base = p.base
	}
	q := url.Values{"cursor": {cursor}}
	if p.Limit != 0 {
		q.Set("limit", strconv.Itoa(p.Limit))
	}
	return "<" + base + path + "?" + q.Encode() + `>; rel="next"`
}

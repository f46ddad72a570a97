package metrics

import (
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// The alert rules and the Grafana dashboard under deploy/ name metrics by
// string: a renamed family or label would leave a silent panel or an alert
// that never fires. Every supportd_* name they use must be a family this
// package registers, and every label they match on one of its labels.
func TestDeployFilesUseRegisteredMetrics(t *testing.T) {
	families := registeredFamilies(t)
	deploy := filepath.Join("..", "..", "deploy")
	sources := map[string]string{}
	for _, f := range []string{"prometheus/alerts.yml", "prometheus/alerts_test.yml"} {
		sources[f] = readFile(t, filepath.Join(deploy, f))
	}
	sources["grafana/dashboards/supportd.json"] = dashboardExprs(t, filepath.Join(deploy, "grafana/dashboards/supportd.json"))

	for file, text := range sources {
		uses := metricUses(text)
		if len(uses) == 0 {
			t.Errorf("%s: no supportd_* metric found", file)
		}
		for _, u := range uses {
			family, labels, ok := lookup(families, u.name)
			if !ok {
				t.Errorf("%s: %s is not a registered metric family", file, u.name)
				continue
			}
			for _, l := range u.labels {
				if !labels[l] {
					t.Errorf("%s: %s has no label %q (family %s)", file, u.name, l, family)
				}
			}
		}
	}
}

// registeredFamilies maps every family name New and the Watch* collectors
// register to its label names.
func registeredFamilies(t *testing.T) map[string]map[string]bool {
	t.Helper()
	m := New("test")
	m.WatchDB("sqlite", func() sql.DBStats { return sql.DBStats{} })
	m.WatchBreakers([]string{"groq"}, func(string) string { return "closed" })
	m.WatchRateLimitFallbacks(func() uint64 { return 0 })
	descs := make(chan *prometheus.Desc)
	go func() {
		m.Registry().Describe(descs)
		close(descs)
	}()
	descRe := regexp.MustCompile(`fqName: "([^"]+)".*variableLabels: \{([^}]*)\}`)
	families := map[string]map[string]bool{}
	for d := range descs {
		match := descRe.FindStringSubmatch(d.String())
		if match == nil {
			t.Fatalf("unexpected Desc format: %s", d)
		}
		labels := map[string]bool{}
		for _, l := range strings.Split(match[2], ",") {
			if l != "" {
				labels[l] = true
			}
		}
		families[match[1]] = labels
	}
	if len(families) < 10 {
		t.Fatalf("only %d families registered", len(families))
	}
	return families
}

// Prometheus adds these to every scraped series.
var targetLabels = []string{"job", "instance"}

// lookup finds the family of a series name, a histogram's _bucket, _sum or
// _count included, and the labels a selector may use on it.
func lookup(families map[string]map[string]bool, name string) (string, map[string]bool, bool) {
	family, suffix := name, ""
	if _, ok := families[name]; !ok {
		for _, s := range []string{"_bucket", "_sum", "_count"} {
			if base, found := strings.CutSuffix(name, s); found {
				family, suffix = base, s
				break
			}
		}
	}
	labels, ok := families[family]
	if !ok {
		return "", nil, false
	}
	allowed := map[string]bool{}
	for l := range labels {
		allowed[l] = true
	}
	for _, l := range targetLabels {
		allowed[l] = true
	}
	if suffix == "_bucket" {
		allowed["le"] = true
	}
	return family, allowed, true
}

type metricUse struct {
	name   string
	labels []string // the label names its selector matches on
}

var (
	metricName   = regexp.MustCompile(`supportd_[a-z0-9_]*[a-z0-9]`)
	quoted       = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)
	matcherLabel = regexp.MustCompile(`([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)`)
)

// metricUses finds every supportd_* name in text and the labels of the
// selector ({...}) right after it, if any.
func metricUses(text string) []metricUse {
	var uses []metricUse
	for _, loc := range metricName.FindAllStringIndex(text, -1) {
		u := metricUse{name: text[loc[0]:loc[1]]}
		if sel, ok := selector(text[loc[1]:]); ok {
			for _, m := range matcherLabel.FindAllStringSubmatch(quoted.ReplaceAllString(sel, `""`), -1) {
				u.labels = append(u.labels, m[1])
			}
		}
		uses = append(uses, u)
	}
	return uses
}

// selector returns the {...} that starts text, skipping braces inside quoted
// values (a route pattern has them).
func selector(text string) (string, bool) {
	if !strings.HasPrefix(text, "{") {
		return "", false
	}
	inQuote := false
	for i := 1; i < len(text); i++ {
		switch c := text[i]; {
		case inQuote && c == '\\':
			i++
		case c == '"':
			inQuote = !inQuote
		case !inQuote && c == '}':
			return text[1:i], true
		}
	}
	return "", false
}

// dashboardExprs returns the dashboard's PromQL expressions, one a line.
func dashboardExprs(t *testing.T, path string) string {
	t.Helper()
	var dash struct {
		Panels []struct {
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal([]byte(readFile(t, path)), &dash); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var exprs []string
	for _, p := range dash.Panels {
		for _, target := range p.Targets {
			exprs = append(exprs, target.Expr)
		}
	}
	return strings.Join(exprs, "\n")
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestMetricUsesReadsSelectors(t *testing.T) {
	uses := metricUses(`rate(supportd_x_bucket{route!="/t/{id}/ai",le="1", code=~"5.."}[5m]) / supportd_y`)
	if len(uses) != 2 || uses[0].name != "supportd_x_bucket" || strings.Join(uses[0].labels, ",") != "route,le,code" ||
		uses[1].name != "supportd_y" || uses[1].labels != nil {
		t.Fatalf("got %+v", uses)
	}
}

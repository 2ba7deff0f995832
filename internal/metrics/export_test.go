package metrics

import (
	"regexp"

	"github.com/prometheus/client_golang/prometheus"
)

var fqName = regexp.MustCompile(`fqName: "([^"]+)"`)

// Families lists the names of the families Accord's own collectors
// describe, as they appear in the exposition: with _bucket, _sum and
// _count for histograms.
func (m *Metrics) Families() map[string]bool {
	out := map[string]bool{}
	ch := make(chan *prometheus.Desc, 64)
	go func() {
		for _, c := range m.accord {
			c.Describe(ch)
		}
		close(ch)
	}()
	for d := range ch {
		name := fqName.FindStringSubmatch(d.String())[1]
		out[name] = true
		for _, s := range []string{"_bucket", "_sum", "_count"} {
			out[name+s] = true
		}
	}
	return out
}

package metrics

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"accord/internal/accord"
	"accord/internal/siem"
	"accord/internal/store"
)

var (
	descSIEMLag = prometheus.NewDesc("accord_siem_lag_events", "Audit events a SIEM receiver has not read yet, by receiver id and owning organization.",
		[]string{"receiver", "org"}, nil)
	descSIEMAge = prometheus.NewDesc("accord_siem_last_success_age_seconds",
		"Time since a SIEM receiver last accepted events (since its creation when it never did), by receiver; read with accord_siem_lag_events: old and behind is an outage.",
		[]string{"receiver", "org"}, nil)
	descSIEMFailures = prometheus.NewDesc("accord_siem_failures", "Consecutive failed deliveries to a SIEM receiver; 0 once one succeeds.",
		[]string{"receiver", "org"}, nil)
)

// siemCollector reports every enabled receiver's delivery status, read
// (one row per receiver, its lag summed over the chain heads) at most once
// per Config.CacheFor.
type siemCollector struct {
	m    *Metrics
	mu   sync.Mutex
	at   time.Time
	list []siem.Receiver
	err  error
}

func (c *siemCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descSIEMLag, descSIEMAge, descSIEMFailures} {
		ch <- d
	}
}

func (c *siemCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.m.cfg.Now()
	if c.at.IsZero() || now.Sub(c.at) >= c.m.cfg.CacheFor || now.Before(c.at) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c.list, c.err = store.NewSIEM(c.m.db).ListReceivers(ctx, accord.Scope{All: true})
		c.at = now
		if c.err != nil {
			c.m.cfg.Log.Warn("metrics: read the SIEM receivers", "err", c.err)
		}
	}
	if c.err != nil {
		return // accord_db_up tells that the database did not answer
	}
	for _, r := range c.list {
		if !r.Enabled {
			continue
		}
		since := r.CreatedAt
		if r.Status.LastSuccessAt != nil {
			since = *r.Status.LastSuccessAt
		}
		labels := []string{string(r.ID), string(r.OrgID)}
		ch <- prometheus.MustNewConstMetric(descSIEMLag, prometheus.GaugeValue, float64(r.Status.Lag), labels...)
		ch <- prometheus.MustNewConstMetric(descSIEMAge, prometheus.GaugeValue, max(now.Sub(since), 0).Seconds(), labels...)
		ch <- prometheus.MustNewConstMetric(descSIEMFailures, prometheus.GaugeValue, float64(r.Status.Failures), labels...)
	}
}

package bench

import (
	"testing"
	"time"
)

func TestBenchParsePgbench(t *testing.T) {
	const pg15 = `pgbench (15.20 (Debian 15.20-0+deb12u1))
transaction type: /tmp/accord-pgbench-1/insert.sql
scaling factor: 1
query mode: prepared
number of clients: 8
number of threads: 8
maximum number of tries: 1
duration: 30 s
number of transactions actually processed: 104550
number of failed transactions: 0 (0.000%)
latency average = 2.295 ms
initial connection time = 21.448 ms
tps = 3485.312977 (without initial connection time)
`
	const pg12 = `transaction type: insert.sql
number of transactions actually processed: 5000
latency average = 1.600 ms
tps = 2500.123 (including connections establishing)
tps = 2510.500 (excluding connections establishing)
`
	for _, c := range []struct {
		name, out string
		tps, lat  float64
	}{{"15", pg15, 3485.312977, 2.295}, {"12", pg12, 2510.5, 1.6}} {
		r, err := parsePgbench(c.out)
		if err != nil || r.TPS != c.tps || r.LatencyMS != c.lat || r.Failed != 0 {
			t.Errorf("PostgreSQL %s: %+v, %v; want tps %v latency %v", c.name, r, err, c.tps, c.lat)
		}
	}
	if r, err := parsePgbench("number of failed transactions: 7 (0.1%)\ntps = 10.5 (something new)\n"); err != nil || r.TPS != 10.5 || r.Failed != 7 {
		t.Errorf("unknown wording: %+v, %v", r, err)
	}
	if _, err := parsePgbench("pgbench: error: connection to server failed\n"); err == nil {
		t.Error("no tps line should be an error")
	}
}

func TestBenchPercentile(t *testing.T) {
	var l []time.Duration
	for i := 1; i <= 100; i++ {
		l = append(l, time.Duration(i)*time.Millisecond)
	}
	for p, want := range map[float64]time.Duration{50: 50 * time.Millisecond, 90: 90 * time.Millisecond, 99: 99 * time.Millisecond, 100: 100 * time.Millisecond, 0: time.Millisecond} {
		if got := percentile(l, p); got != want {
			t.Errorf("p%v = %v, want %v", p, got, want)
		}
	}
	if percentile(nil, 50) != 0 {
		t.Error("no latencies should give 0")
	}
}

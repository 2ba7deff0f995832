package bench

import "testing"

func TestParseProcStatus(t *testing.T) {
	const status = "Name:\taccord\nVmPeak:\t 1300000 kB\nVmHWM:\t  210000 kB\nVmRSS:\t  180224 kB\nThreads:\t12\n"
	rss, hwm, err := parseProcStatus(status)
	if err != nil || rss != 180224<<10 || hwm != 210000<<10 {
		t.Errorf("rss %d hwm %d err %v", rss, hwm, err)
	}
	for _, bad := range []string{"Name:\taccord\n", "VmRSS:\t12 MB\n", "VmRSS:\tlots kB\n"} {
		if _, _, err := parseProcStatus(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestParseRSSMetric(t *testing.T) {
	const exp = "# HELP process_resident_memory_bytes Resident memory size in bytes.\n# TYPE process_resident_memory_bytes gauge\n" +
		"process_resident_memory_bytes 1.8874368e+08\nprocess_virtual_memory_bytes 1.3e+09\n"
	if v, err := parseRSSMetric(exp); err != nil || v != 188743680 {
		t.Errorf("%d, %v", v, err)
	}
	if _, err := parseRSSMetric("go_goroutines 12\n"); err == nil {
		t.Error("no metric: no error")
	}
}

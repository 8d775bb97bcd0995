package results

import (
	"bytes"
	"testing"
	"time"
)

// Lag records survive the recorder, Write and Merge.
func TestLagRecords(t *testing.T) {
	h := testHeader()
	var buf bytes.Buffer
	rec, err := NewRecorder(h, &buf, WithoutTicker())
	if err != nil {
		t.Fatal(err)
	}
	want := []Lag{
		{Written: h.Started.Add(time.Second), From: "eastus", To: "westeurope", Lag: Duration(310 * time.Millisecond)},
		{Written: h.Started.Add(2 * time.Second), From: "westeurope", To: "eastus", Lost: true},
	}
	for _, l := range want {
		rec.RecordLag(l)
	}
	if err := rec.Close(Trailer{Reason: "completed"}); err != nil {
		t.Fatal(err)
	}
	run := mustRead(t, buf.Bytes())
	if len(run.Lags) != 2 || !run.Lags[0].Written.Equal(want[0].Written) || run.Lags[0].Lag != want[0].Lag || !run.Lags[1].Lost {
		t.Fatalf("lags = %+v, want %+v", run.Lags, want)
	}
	var again bytes.Buffer
	if err := Write(&again, run); err != nil {
		t.Fatal(err)
	}
	if back := mustRead(t, again.Bytes()); len(back.Lags) != 2 {
		t.Fatalf("Write kept %d lag records, want 2", len(back.Lags))
	}
	if m, err := Merge(run, run); err != nil || len(m.Lags) != 4 {
		t.Fatalf("Merge: %v, %d lag records; want 4", err, len(m.Lags))
	}
}

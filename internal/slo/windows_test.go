package slo

import (
	"reflect"
	"testing"
	"time"

	"github.com/slocheck/slocheck/results"
)

func TestFaults(t *testing.T) {
	events := []results.Event{
		{Time: at(50), Kind: results.EventFaultHealed, Fault: "a"},
		{Time: at(20), Kind: results.EventFaultInjected, Fault: "a", Injector: "platform", Target: "eastus", Mode: "down"},
		{Time: at(30), Kind: results.EventFaultInjected, Fault: "b", Injector: "exec", Target: "westeurope", Mode: "errors"},
		{Time: at(31), Kind: results.EventProbe, Edge: "eastus", Region: "eastus"},
		{Time: at(40), Kind: results.EventHealFailed, Fault: "b", Detail: "exit status 1"},
		{Time: at(70), Kind: results.EventFaultInjected, Fault: "a", Injector: "platform", Target: "eastus", Mode: "down"},
		{Time: at(75), Kind: results.EventFaultHealed, Fault: "zzz"}, // never injected: ignored
	}
	want := []Fault{
		{Name: "a", Injector: "platform", Target: "eastus", Mode: "down", Injected: at(20), Healed: at(50)},
		{Name: "b", Injector: "exec", Target: "westeurope", Mode: "errors", Injected: at(30), HealFailed: true},
		{Name: "a", Injector: "platform", Target: "eastus", Mode: "down", Injected: at(70)},
	}
	if got := Faults(events); !reflect.DeepEqual(got, want) {
		t.Errorf("Faults:\n got %+v\nwant %+v", got, want)
	}
}

func TestSteadyState(t *testing.T) {
	run := Window{at(0), at(100)}
	rec := 5 * time.Second
	tests := []struct {
		name   string
		faults []Fault
		want   []Window
	}{
		{"no fault", nil, []Window{{at(0), at(100)}}},
		{"one fault and its recovery", []Fault{{Injected: at(20), Healed: at(40)}},
			[]Window{{at(0), at(20)}, {at(45), at(100)}}},
		{"overlapping windows merge", []Fault{{Injected: at(20), Healed: at(40)}, {Injected: at(42), Healed: at(60)}},
			[]Window{{at(0), at(20)}, {at(65), at(100)}}},
		{"never healed: to the run's end", []Fault{{Injected: at(20), Healed: at(40)}, {Injected: at(70)}},
			[]Window{{at(0), at(20)}, {at(45), at(70)}}},
		{"at the start, recovery past the end", []Fault{{Injected: at(0), Healed: at(10)}, {Injected: at(90), Healed: at(99)}},
			[]Window{{at(15), at(90)}}},
	}
	for _, tt := range tests {
		got := SteadyState(run, FaultWindows(tt.faults, rec, run.End))
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s:\n got %v\nwant %v", tt.name, got, tt.want)
		}
	}
}

func TestSteadySpans(t *testing.T) {
	run := Window{at(0), at(60)}
	tests := []struct {
		name   string
		faults []Fault
		want   []Window
	}{
		{"no fault", nil, []Window{{at(0), at(60)}}},
		{"between interval edges: whole intervals only", []Fault{{Injected: at(20.3), Healed: at(27.75)}},
			[]Window{{at(0), at(18)}, {at(31), at(60)}}},
		{"never healed", []Fault{{Injected: at(20.3)}}, []Window{{at(0), at(18)}}},
		{"overlapping windows merge", []Fault{{Injected: at(10), Healed: at(12)}, {Injected: at(14), Healed: at(15)}},
			[]Window{{at(0), at(8)}, {at(18), at(60)}}},
	}
	for _, tt := range tests {
		got := SteadySpans(run, tt.faults, 1500*time.Millisecond, 3*time.Second, time.Second)
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}

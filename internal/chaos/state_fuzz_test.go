package chaos_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/slocheck/slocheck/internal/chaos"
)

// FuzzReadState feeds arbitrary faults.json files to ReadState: it must never
// panic, and what it accepts must survive a write and a second read.
func FuzzReadState(f *testing.F) {
	f.Add([]byte(`{"schema":"slocheck/faults/v1","faults":[{"spec":{"kind":"exec","name":"cut","exec":{"heal_cmd":"true","timeout":1.5}},"status":"active","pid":42,"injected":"2026-11-24T10:00:20.123Z","updated":"2026-11-24T10:00:20.123Z"}]}`))
	f.Add([]byte(`{"schema":"slocheck/faults/v1","faults":[{"spec":{"kind":"platform","name":"p","platform":{"admin":"http://127.0.0.1:7070","region":"eastus","mode":"down","token_env":"T","in_process":true}},"status":"healed"}]}`))
	f.Add([]byte(`{"schema":"slocheck/faults/v1"}`))
	f.Add([]byte(`{"schema":`))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, chaos.StateFileName), data, 0o644); err != nil {
			t.Fatal(err)
		}
		st, err := chaos.ReadState(dir)
		if err != nil {
			return
		}
		b, err := json.Marshal(st)
		if err != nil {
			t.Fatalf("accepted state does not marshal: %v", err)
		}
		if err := os.WriteFile(filepath.Join(dir, chaos.StateFileName), b, 0o644); err != nil {
			t.Fatal(err)
		}
		again, err := chaos.ReadState(dir)
		if err != nil {
			t.Fatalf("a written state does not read back: %v\n%s", err, b)
		}
		b2, _ := json.Marshal(again)
		if !reflect.DeepEqual(b, b2) {
			t.Fatalf("state changed on a round trip:\n%s\n%s", b, b2)
		}
	})
}

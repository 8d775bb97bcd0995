package slo

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/slocheck/slocheck/results"
)

// baseReports are the SHA-256 of json.Marshal of the report that Evaluate of
// results.Read's Run gave for each of streamCases before EvaluateStream
// existed (commit f4fc732, when the evaluation read the whole Run): a truth
// neither way of evaluating can see.
var baseReports = map[string]string{
	"failover":                       "60881347a74a973317a6a4397f90f3cda91e987ec86f72777501e7e6b7df00cb",
	"cut-inside-a-record":            "a9febff7aae2106ca742e07cb47f8527841e9ab9c84bbd7644759e97a70b0f68",
	"cut-between-records":            "cc7162389d1fc6ff3f85ca09f88e47e9468d0553010fef3ee9b195ec1108b6af",
	"records-apart-out-of-order":     "06e2ce488d25d362661ef966a464568848d02a7a9d9ca3a04360bbcd1a54e19d",
	"merged":                         "77b9981ee8bb3d02a0cf3a3079b938bb4c6be76d90c03a9ab6296911aa7d073d",
	"generators-one-after-the-other": "474e187135f3935ac433856286008c4e6a68c35e3447f73f0ce15c0df230ebea",
	"late-fail-not-excused":          "d89a1ce2a805707f63fd6e9630a8fca0d6d7a851d074cc54935cc3fbdb4f6b33",
	"late-within":                    "bfc7ae9f2b4e339fbb595529caa8107615b48971b844ccba51c642ad39c32963",
	"compare-100k-baseline":          "6c7e85f91b1172f5f783c228696a3cb7f1c4118b3cd2f0d7413a3075c356ad61",
	"compare-100k-run":               "2953c88852eb43e46777ab3b798c51ba86c2eb1b0d5376c3bf86034cab97b5e3",
}

// TestEvaluateStreamSameReport: evaluating a stream in passes gives the
// report (reflect.DeepEqual) that Evaluate gives of the whole Run, which is
// the report of before (baseReports), and the same cut.
func TestEvaluateStreamSameReport(t *testing.T) {
	for _, c := range streamCases(t) {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), results.FileName)
			if err := os.WriteFile(path, c.stream, 0o644); err != nil {
				t.Fatal(err)
			}
			run, rerr := results.ReadFile(path)
			if run == nil {
				t.Fatal(rerr)
			}
			whole := Evaluate(run, Options{InconclusiveFails: run.Header.Targets.InconclusiveFails})
			streamed, serr := EvaluateStream(&results.FileScan{Path: path}, Options{})
			if streamed == nil {
				t.Fatal(serr)
			}
			if fmt.Sprint(serr) != fmt.Sprint(rerr) {
				t.Errorf("streamed: %v, read whole: %v", serr, rerr)
			}
			var cut *results.TruncatedError
			if want := c.name[:min(4, len(c.name))] == "cut-"; errors.As(serr, &cut) != want {
				t.Errorf("cut: %v, want a *results.TruncatedError: %v", serr, want)
			}
			if !reflect.DeepEqual(*streamed, whole) {
				a, _ := json.Marshal(*streamed)
				b, _ := json.Marshal(whole)
				t.Fatalf("streamed report differs from the whole Run's:\n%s", firstDiff(string(a), string(b)))
			}
			b, err := json.Marshal(*streamed)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprintf("%x", sha256.Sum256(b)); got != baseReports[c.name] {
				t.Errorf("report %s, before EvaluateStream %s", got, baseReports[c.name])
			}
		})
	}
}

// TestEvaluateStreamReadsWhatTheFirstPassRead: a stream still being written
// (the live page's) grows between the passes; the later ones read no record
// the first did not.
func TestEvaluateStreamReadsWhatTheFirstPassRead(t *testing.T) {
	fo := encode(t, failover(90, 33.5, latencyOf))
	boundary := recordBoundary(t, fo[:len(fo)/3])
	path := filepath.Join(t.TempDir(), results.FileName)
	if err := os.WriteFile(path, fo[:boundary], 0o644); err != nil {
		t.Fatal(err)
	}
	grow := &growing{FileScan: results.FileScan{Path: path}, rest: fo[boundary:]}
	streamed, err := EvaluateStream(grow, Options{})
	if streamed == nil {
		t.Fatal(err)
	}
	run, _ := results.Read(bytes.NewReader(fo[:boundary]))
	if whole := Evaluate(run, Options{}); !reflect.DeepEqual(*streamed, whole) {
		t.Errorf("the passes after the first read what the file gained: %d requests, the first pass's %d", streamed.Requests, whole.Requests)
	}
	if !grow.grown {
		t.Fatal("the file did not grow")
	}
}

// growing is a FileScan whose file gains the rest of its stream right after
// the first pass.
type growing struct {
	results.FileScan
	rest  []byte
	grown bool
}

func (g *growing) First(fn func(*results.Interval) error) (*results.Run, error) {
	run, err := g.FileScan.First(fn)
	f, ferr := os.OpenFile(g.Path, os.O_APPEND|os.O_WRONLY, 0)
	if ferr == nil {
		_, ferr = f.Write(g.rest)
		g.grown = ferr == nil && f.Close() == nil
	}
	return run, err
}

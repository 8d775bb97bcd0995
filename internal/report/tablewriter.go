package report

import (
	"fmt"
	"io"
	"reflect"
	"sync"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twcache"
	"github.com/olekukonko/tablewriter/tw"
)

// One tablewriter.Table renders every table of the process, reset between
// tables. tablewriter.NewTable makes a 10,240-entry cache for its stringer
// (about 400 KB), and Reset remakes it; our rows are strings, which never
// reach the stringer, so the shared table keeps a cache that holds nothing
// (noStringerCache), made once. A report with seven tables allocated 3 MB
// for them before; the end of a run, where a run's memory peaks, wrote two
// such documents.
var shared struct {
	sync.Mutex
	out   redirect
	table *tablewriter.Table
}

// renderTable renders t (header and rows; not its title) with tablewriter:
// the console's boxes or Markdown's pipes, as rend draws them.
func renderTable(w io.Writer, rend tw.Renderer, t table) error {
	shared.Lock()
	defer shared.Unlock()
	if shared.table == nil {
		shared.table = tablewriter.NewTable(&shared.out, tablewriter.WithStringerCacheCustom(noStringerCache{}))
	}
	shared.out.w = w
	defer func() { shared.out.w = nil }() // hold no writer between tables
	tb := shared.table
	tb.Reset()
	tb.Options(
		tablewriter.WithRenderer(rend),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
	)
	tb.Header(t.Header)
	for _, row := range t.Rows {
		if err := tb.Append(row); err != nil {
			return fmt.Errorf("table %q: %w", t.Title, err)
		}
	}
	if err := tb.Render(); err != nil {
		return fmt.Errorf("table %q: %w", t.Title, err)
	}
	return nil
}

// redirect is the shared table's writer: the writer of the table being
// rendered.
type redirect struct{ w io.Writer }

func (r *redirect) Write(p []byte) (int, error) { return r.w.Write(p) }

// noStringerCache is a stringer cache that keeps nothing (see shared).
type noStringerCache struct{}

var _ twcache.Cache[reflect.Type, reflect.Value] = noStringerCache{}

func (noStringerCache) Add(reflect.Type, reflect.Value) bool        { return false }
func (noStringerCache) Get(reflect.Type) (v reflect.Value, ok bool) { return v, false }
func (noStringerCache) Purge()                                      {}

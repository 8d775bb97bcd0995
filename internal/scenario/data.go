package scenario

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/slocheck/slocheck/internal/driver"
)

// MaxDataRows bounds a data file (every row is held in memory).
const MaxDataRows = 1_000_000

// DataPath returns the data file's path: as given when absolute, otherwise
// relative to the scenario file's directory; "" for no data.
func (s *Scenario) DataPath() string {
	d := s.Load.Data
	if d == nil || d.File == "" || filepath.IsAbs(d.File) {
		return fileOf(d)
	}
	return filepath.Join(filepath.Dir(s.src.file), d.File)
}

func fileOf(d *Data) string {
	if d == nil {
		return ""
	}
	return d.File
}

// readData reads a data file: CSV with a header row, or JSON lines
// (.jsonl, .ndjson) of objects that all have the first one's keys. An
// error names the file's own line.
func readData(path string) (*driver.Data, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jsonl", ".ndjson":
		return readJSONLines(f, path)
	case ".csv":
		return readCSV(f, path)
	}
	return nil, fmt.Errorf("%s: want a .csv, .jsonl or .ndjson file", path)
}

func readCSV(r io.Reader, path string) (*driver.Data, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: empty: want a header row and at least one row", path)
		}
		return nil, csvError(path, err)
	}
	if err := checkColumns(header); err != nil {
		return nil, fmt.Errorf("%s:1: %w", path, err)
	}
	d := &driver.Data{Columns: header}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, csvError(path, err)
		}
		if len(d.Rows) == MaxDataRows {
			line, _ := cr.FieldPos(0)
			return nil, fmt.Errorf("%s:%d: more than %d rows", path, line, MaxDataRows)
		}
		d.Rows = append(d.Rows, rec)
	}
	if len(d.Rows) == 0 {
		return nil, fmt.Errorf("%s: no rows after the header", path)
	}
	return d, nil
}

// csvError puts encoding/csv's line first, as the other messages have it.
func csvError(path string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s:%d:%d: %w", path, pe.Line, pe.Column, pe.Err)
	}
	return fmt.Errorf("%s: %w", path, err)
}

func checkColumns(cols []string) error {
	for i, c := range cols {
		switch {
		case c == "" || strings.ContainsAny(c, "{} \t"):
			return fmt.Errorf("column %d: %q is not a column name (letters, digits, '_', '-', '.')", i+1, c)
		case slices.Index(cols, c) < i:
			return fmt.Errorf("column %q is given twice", c)
		}
	}
	return nil
}

func readJSONLines(r io.Reader, path string) (*driver.Data, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	d := &driver.Data{}
	for line := 1; sc.Scan(); line++ {
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		row, err := jsonRow(b, d)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		if len(d.Rows) == MaxDataRows {
			return nil, fmt.Errorf("%s:%d: more than %d rows", path, line, MaxDataRows)
		}
		d.Rows = append(d.Rows, row)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(d.Rows) == 0 {
		return nil, fmt.Errorf("%s: no rows", path)
	}
	return d, nil
}

// jsonRow reads one JSON object; the first sets d's columns (its keys,
// sorted). A string value is its text; any other value its JSON.
func jsonRow(b []byte, d *driver.Data) ([]string, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(b, &obj); err != nil {
		return nil, fmt.Errorf("want one JSON object per line: %w", err)
	}
	keys := sortedKeys(obj, nil)
	if d.Columns == nil {
		if err := checkColumns(keys); err != nil {
			return nil, err
		}
		d.Columns = keys
	}
	if !slices.Equal(keys, d.Columns) {
		return nil, fmt.Errorf("keys %s, want the first line's %s", strings.Join(keys, ", "), strings.Join(d.Columns, ", "))
	}
	row := make([]string, len(keys))
	for i, k := range keys {
		var s string
		if json.Unmarshal(obj[k], &s) == nil {
			row[i] = s
		} else {
			row[i] = string(obj[k])
		}
	}
	return row, nil
}

// Package results is slocheck's results stream (DESIGN.md §3, specified byte
// by byte in docs/results-stream.md): the one record format that both
// engines (the Go driver and k6 with the slocheck output) write and every
// report is rebuilt from. It is a public package so that the xk6 extension,
// which is its own module, and any other tool write and read the stream
// through the same code; it imports nothing of slocheck's.
//
// # Versions
//
// The package follows the module's semantic versions. The stream format has
// its own version (Schema, "slocheck/results/v1"; the preamble's major and
// minor): records and fields are only added, never renumbered or renamed, and
// readers skip what they do not know. Exported names change only with a new
// major version of the module.
//
// Writing: an engine's workers share one Recorder (NewRecorder). Record files
// each outcome under its client region, step and interval (keyed by the
// intended start) in striped cells with dense HDR histograms, with no
// allocation; a ticker writes each interval once it has ended, so a crash
// loses at most the last interval. Reading: Read and ReadFile return a Run
// (histograms packed: about 1 KB each instead of 188 KB dense), also from a
// stream cut by a crash (with a *TruncatedError). Merge adds the streams of
// several generators into the Run one generator would have written; a
// Merger (MergeDirs) does it for the processes of one run shared by several
// (generators, a conductor, k6 runners), one stream at a time, and reconciles
// the fault events they reported within a clock tolerance, refusing streams
// that are not one run's.
//
// The encoding (docs/results-stream.md): a magic and version, then records
// framed as kind, varint length, payload and CRC-32C; names go through a
// string table; times are nanosecond offsets; histograms are their populated
// buckets as value deltas and counts in varints. Measured on the reference
// hour (3.6 M requests, 2 client regions × 4 steps, 1 s intervals): 7.9 MB,
// read in 0.21–0.30 s of CPU. JSON lines with HdrHistogram's standard V2
// histograms (zlib, base64) took 14.1 MB for the intervals alone and 1.14 s
// of CPU to read: one V2 histogram takes 47–80 µs to decode against 10 µs
// here, and an hour holds 28,800 of them. Recording costs 87–97 ns of CPU per
// outcome (10–11.5 million a second per core).
package results

// Package cosmos is Cosmos DB data-plane access: the shop's store, the RPO
// read-back and the replication-lag probe, through azcosmos with one client
// per region pinned by preferred regions. The clients live in the companion
// slocheck-cloud (`slocheck-cloud cosmos`, package cosmossdk), one long-lived
// process per Account that this package speaks to in line-delimited JSON
// (wire.go), so that slocheck links no Azure SDK. Every call is bounded; a
// companion that dies fails the calls waiting and every later one, and
// Account.Err names it.
//
// Credentials come from azidentity's default chain (workload identity on
// AKS, az login on a laptop), in the companion; an account key is accepted
// only for an emulator and is never printed. Tests run against the in-process emulator
// of package cosmostest; multi-region behaviour (replication lag, lost
// writes) is tested against the embedded platform's replicated stores,
// which implement the probe's Replica seam as this package's clients do.
package cosmos

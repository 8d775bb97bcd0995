// Package cosmos is Cosmos DB data-plane access: the shop's store, the RPO
// read-back and the replication-lag probe, through azcosmos with one client
// per region pinned by preferred regions.
//
// Credentials come from azidentity's default chain (workload identity on
// AKS, az login on a laptop); an account key is accepted only for an
// emulator and is never printed. Tests run against the in-process emulator
// of package cosmostest; multi-region behaviour (replication lag, lost
// writes) is tested against the embedded platform's replicated stores,
// which implement the probe's Replica seam as this package's clients do.
package cosmos

package cli

// SyncBuffer is platformTestBuffer for the package's external tests
// (package cli_test): a bytes.Buffer safe to read while a command writes.
type SyncBuffer = platformTestBuffer

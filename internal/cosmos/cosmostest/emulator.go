// Package cosmostest serves the Cosmos DB emulator cosmium
// (github.com/pikami/cosmium) in-process over loopback TLS, for tests of the
// code that reaches Cosmos DB through azcosmos.
//
// The emulator's known gaps, which tests work around and name: it ignores
// the partition key; single-quoted strings in queries match nothing; integer
// literal comparisons are unreliable; an unparseable query returns every
// document; it has one region only (preferred regions change nothing, so
// multi-region behaviour is tested on the embedded platform); consistency
// levels and TTL are ignored (no document expires).
package cosmostest

import (
	"context"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos"
	"github.com/pikami/cosmium/api"
	"github.com/pikami/cosmium/api/config"
)

// Emulator is one in-process emulator account.
type Emulator struct {
	// Endpoint is the account's https URL on loopback.
	Endpoint string
	// Key is the emulator's account key. It is a secret to everything that
	// handles it: never print it.
	Key string
	// CAFile is a PEM file holding the server's certificate, for clients
	// built from flags (--cosmos-ca).
	CAFile string
	srv    *httptest.Server
}

// Client returns an HTTP client that trusts the emulator's certificate
// (azcore's Transporter).
func (e *Emulator) Client() *http.Client { return e.srv.Client() }

var startMu sync.Mutex // cosmium sets package-level gin and logger state

// Start serves a fresh emulator until the test ends.
//
// cosmium's api.NewApiServer takes a *repositories.DataRepository, a type of
// its internal package that no other module may name. The workaround: make
// the repository by reflection from NewApiServer's parameter type and load
// an empty state into it with its exported LoadStateJSON, which allocates
// what repositories.NewDataRepository would.
func Start(t testing.TB) *Emulator {
	t.Helper()
	startMu.Lock()
	defer startMu.Unlock()
	cfg := &config.ServerConfig{AccountKey: config.DefaultAccountKey, Host: "127.0.0.1", LogLevel: "silent",
		ExplorerPath: filepath.Join(t.TempDir(), "no-explorer")}
	cfg.ApplyDefaultsToEmptyFields()
	cfg.PopulateCalculatedFields()
	newServer := reflect.ValueOf(api.NewApiServer)
	repo := reflect.New(newServer.Type().In(0).Elem())
	if out := repo.MethodByName("LoadStateJSON").Call([]reflect.Value{reflect.ValueOf("{}")}); !out[0].IsNil() {
		t.Fatalf("cosmium: empty state: %v", out[0].Interface())
	}
	server := newServer.Call([]reflect.Value{repo, reflect.ValueOf(cfg)})[0].Interface().(*api.ApiServer)
	srv := httptest.NewTLSServer(server.GetRouter())
	t.Cleanup(srv.Close)
	cfg.DatabaseEndpoint = srv.URL + "/" // what the account document names as its regions' endpoint
	ca := filepath.Join(t.TempDir(), "cosmium-ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(ca, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	return &Emulator{Endpoint: srv.URL, Key: cfg.AccountKey, CAFile: ca, srv: srv}
}

// CreateContainer creates database (when new) and a container in it with
// partition key path pkPath, through azcosmos.
func (e *Emulator) CreateContainer(t testing.TB, database, container, pkPath string) {
	t.Helper()
	c := e.AccountClient(t)
	ctx := context.Background()
	if _, err := c.CreateDatabase(ctx, azcosmos.DatabaseProperties{ID: database}, nil); err != nil && !conflict(err) {
		t.Fatalf("cosmium: create database %s: %v", database, err)
	}
	db, err := c.NewDatabase(database)
	if err != nil {
		t.Fatal(err)
	}
	ttl := int32(-1) // TTL on, per document (the emulator ignores it)
	props := azcosmos.ContainerProperties{ID: container, DefaultTimeToLive: &ttl,
		PartitionKeyDefinition: azcosmos.PartitionKeyDefinition{Paths: []string{pkPath}}}
	if _, err := db.CreateContainer(ctx, props, nil); err != nil {
		t.Fatalf("cosmium: create container %s: %v", container, err)
	}
}

func conflict(err error) bool {
	var re *azcore.ResponseError
	return errors.As(err, &re) && re.StatusCode == http.StatusConflict
}

// AccountClient is an azcosmos client of the emulator's account, signed
// with its key: the tests' own view of what the account holds.
func (e *Emulator) AccountClient(t testing.TB) *azcosmos.Client {
	t.Helper()
	k, err := azcosmos.NewKeyCredential(e.Key)
	if err != nil {
		t.Fatal(err)
	}
	o := &azcosmos.ClientOptions{}
	o.Transport = e.Client()
	c, err := azcosmos.NewClientWithKey(e.Endpoint, k, o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

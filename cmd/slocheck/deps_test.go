package main_test

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// maxPackages bounds what `slocheck` links (go list -deps, the standard
// library included): 422 once the cloud injectors and the OTLP exporter
// moved to slocheck-cloud (665 before; 560 with the injectors alone moved),
// 348 once the bearer token and the Cosmos DB data tier followed them. Every
// linked package's init runs before main and its pages are the run's
// memory: raise it only for a package a run uses.
const maxPackages = 360

// cloudOnly are the packages only slocheck-cloud may link (prefixes): the
// Kubernetes clients, the whole Azure SDK (Resource Manager clients, azcore,
// azidentity and MSAL, azcosmos), the OpenTelemetry exporter and the gRPC
// it links.
var cloudOnly = []string{
	"github.com/Azure/azure-sdk-for-go/",
	"github.com/AzureAD/microsoft-authentication-library-for-go/",
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity",
	"github.com/Azure/azure-sdk-for-go/sdk/data/azcosmos",
	"github.com/slocheck/slocheck/internal/cosmos/cosmossdk",
	"go.opentelemetry.io/",
	"google.golang.org/grpc",
	"k8s.io/",
	"sigs.k8s.io/",
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/",
	"github.com/slocheck/slocheck/internal/chaos/aks",
	"github.com/slocheck/slocheck/internal/chaos/armclient",
	"github.com/slocheck/slocheck/internal/chaos/chaosstudio",
	"github.com/slocheck/slocheck/internal/chaos/cosmosfault",
	"github.com/slocheck/slocheck/internal/chaos/frontdoor",
}

func deps(t *testing.T, pkg string) []string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	out, err := exec.Command(goBin, "list", "-deps", pkg).Output()
	if err != nil {
		t.Fatalf("go list -deps %s: %v", pkg, err)
	}
	return strings.Fields(string(out))
}

// linked returns the packages of list under any of prefixes.
func linked(list, prefixes []string) []string {
	var out []string
	for _, p := range list {
		for _, prefix := range prefixes {
			if strings.HasPrefix(p, prefix) {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// TestSlocheckLinksNoCloudClients keeps client-go, the Azure SDK (ARM,
// azcore, azidentity, MSAL, azcosmos) and the OTLP exporter out of slocheck
// (they run in slocheck-cloud), and slocheck's package count under
// maxPackages.
func TestSlocheckLinksNoCloudClients(t *testing.T) {
	list := deps(t, "github.com/slocheck/slocheck/cmd/slocheck")
	if bad := linked(list, cloudOnly); len(bad) > 0 {
		t.Errorf("slocheck links %d packages that belong in slocheck-cloud, e.g. %v", len(bad), bad[:min(len(bad), 5)])
	}
	if len(list) > maxPackages {
		t.Errorf("slocheck links %d packages, more than %d", len(list), maxPackages)
	}
	// The names above are right: the companion links every one of them.
	cloud := deps(t, "github.com/slocheck/slocheck/cmd/slocheck-cloud")
	for _, prefix := range cloudOnly {
		if prefix != "sigs.k8s.io/" && len(linked(cloud, []string{prefix})) == 0 {
			t.Errorf("slocheck-cloud links nothing under %s: the guard's list is stale", prefix)
		}
	}
	t.Logf("slocheck links %d packages, slocheck-cloud %d", len(list), len(cloud))
}

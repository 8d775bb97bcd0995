// Package armclient builds the Azure Resource Manager clients of the Azure
// injectors (frontdoor, chaosstudio, cosmosfault) with azidentity's default
// credential chain, so each injector names only its client's constructor.
package armclient

import (
	"fmt"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
)

// New returns the client newClient makes for subscriptionID, authenticated
// with azidentity's default credential chain (environment, workload
// identity, managed identity, Azure CLI, …).
func New[C any](subscriptionID string, newClient func(string, azcore.TokenCredential, *arm.ClientOptions) (C, error)) (C, error) {
	cred, err := azidentity.NewDefaultAzureCredential(nil)
	if err != nil {
		var zero C
		return zero, fmt.Errorf("azure credential: %w", err)
	}
	return newClient(subscriptionID, cred, nil)
}

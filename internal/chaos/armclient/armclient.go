// Package armclient builds the Azure Resource Manager clients of the Azure
// injectors (frontdoor, chaosstudio, cosmosfault) with azidentity's default
// credential chain, so each injector names only its client's constructor,
// and checks the settings every one of them needs.
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
	if loopbackFake != nil {
		cred, opts, err := loopbackFake()
		if err != nil {
			var zero C
			return zero, err
		}
		return newClient(subscriptionID, cred, opts)
	}
	cred, err := azidentity.NewDefaultAzureCredential(nil)
	if err != nil {
		var zero C
		return zero, fmt.Errorf("azure credential: %w", err)
	}
	return newClient(subscriptionID, cred, nil)
}

// loopbackFake, set only in a build with the tag slocheck_armfake (the
// end-to-end tests' slocheck-cloud), replaces azidentity and Azure's
// endpoint by a fake credential and a loopback Azure SDK fake server.
var loopbackFake func() (azcore.TokenCredential, *arm.ClientOptions, error)

// Field is one setting of an Azure fault, by its scenario name.
type Field struct{ Name, Value string }

// Required returns an error naming the first of fields that is empty, as
// "<kind> fault: <name> is empty", or nil.
func Required(kind string, fields ...Field) error {
	for _, f := range fields {
		if f.Value == "" {
			return fmt.Errorf("%s fault: %s is empty", kind, f.Name)
		}
	}
	return nil
}

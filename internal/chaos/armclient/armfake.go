//go:build slocheck_armfake

package armclient

import (
	"errors"
	"os"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	azfake "github.com/Azure/azure-sdk-for-go/sdk/azcore/fake"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
)

// FakeEndpointEnv names the variable holding the loopback fake's URL in a
// slocheck_armfake build. No release build has the tag: a user cannot reach
// this by accident.
const FakeEndpointEnv = "SLOCHECK_ARMFAKE_ENDPOINT"

func init() {
	loopbackFake = func() (azcore.TokenCredential, *arm.ClientOptions, error) {
		ep := os.Getenv(FakeEndpointEnv)
		if ep == "" {
			return nil, nil, errors.New("a slocheck_armfake build needs $" + FakeEndpointEnv)
		}
		return &azfake.TokenCredential{}, &arm.ClientOptions{ClientOptions: policy.ClientOptions{
			Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: ep, Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
				cloud.ResourceManager: {Endpoint: ep, Audience: ep},
			}},
			InsecureAllowCredentialWithHTTP: true, // the loopback fake speaks plain HTTP
		}}, nil
	}
}

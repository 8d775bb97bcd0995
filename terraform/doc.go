// Package terraform holds no code: it is the Go package of the terraform/ folder so that its tests
// can hold the Azure platform as code to the embedded platform it is modelled by (the Front Door
// health-probe defaults must be the same numbers in both) and run scripts/check-terraform.sh.
package terraform

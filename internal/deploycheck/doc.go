// Package deploycheck holds the checks that run on every commit over what
// deploys slocheck and its reference shop, though no machine here reaches Azure:
//
//   - the Azure Pipelines YAML (.azure-pipelines): structure, templates expanded,
//     schedules, published test results and artifacts, and the SLO gate's
//     exit-code handling, executed with bash against a fake slocheck;
//   - the Helm charts (deploy/helm): helm's own lint, rendered with the Helm SDK
//     for every environment's values file, and every manifest decoded strictly
//     with client-go's scheme (unknown fields fail);
//   - the Dockerfile: multi-stage, small final stage, non-root user;
//   - every `slocheck ...` command line quoted in docs/ and the pipelines,
//     parsed by the real command line, and every `slocheck run` line turned
//     into a valid scenario.
//
// The package has no code outside its tests.
package deploycheck

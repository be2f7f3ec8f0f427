//go:build tools

// Wrapper module that builds promtool (Prometheus's rule and metrics checker) for the tests of
// deploy/monitoring: `promtool check rules` and `promtool test rules`.
package tools

import _ "github.com/prometheus/prometheus/cmd/promtool"

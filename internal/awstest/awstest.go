// Package awstest runs an AWS emulator for tests: moto's server (pinned in the Makefile) on a
// free loopback port, one per test that asks, stopped when it ends. It stands in for what
// cannot run here (Glue, Athena, and S3's bucket policies and storage classes); lake I/O itself
// is tested against a real S3 server (internal/storage/s3test).
//
// The executable is METALAKE_MOTO_SERVER, else moto_server on PATH; without one the test is
// skipped locally and fails under CI (internal/testserver).
package awstest

import (
	"net/http"
	"os/exec"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/testserver"
)

// Server is a running emulator: every AWS service on one endpoint.
type Server struct {
	Endpoint string
	Region   string
}

// Start runs an emulator for tb and stops it when tb ends. region is the region its clients
// use (moto keeps each region's resources apart).
func Start(tb testing.TB, region string) *Server {
	tb.Helper()
	bin := testserver.Executable(tb, "METALAKE_MOTO_SERVER", "moto_server", "make test installs it")
	port := testserver.FreePort(tb)
	s := &Server{Endpoint: "http://127.0.0.1:" + port, Region: region}
	testserver.Run(tb, exec.Command(bin, "-H", "127.0.0.1", "-p", port), 30*time.Second, func() bool {
		resp, err := http.Get(s.Endpoint + "/moto-api/")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	return s
}

// Config is the storage configuration that reaches the emulator's S3.
func (s *Server) Config() storage.S3Config {
	return storage.S3Config{Endpoint: s.Endpoint, Region: s.Region, PathStyle: true, AccessKey: "testing", SecretKey: "testing"}
}

// Env is the environment under which the metalake CLI reaches the emulator for every service.
func (s *Server) Env() []string {
	return []string{"AWS_ENDPOINT_URL=" + s.Endpoint, "METALAKE_S3_ENDPOINT=" + s.Endpoint,
		"METALAKE_S3_REGION=" + s.Region, "AWS_REGION=" + s.Region,
		"AWS_ACCESS_KEY_ID=testing", "AWS_SECRET_ACCESS_KEY=testing", "AWS_EC2_METADATA_DISABLED=true"}
}

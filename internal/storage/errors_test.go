package storage_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/metalake/metalake/internal/dag"
	"github.com/metalake/metalake/internal/storage"
	"github.com/metalake/metalake/internal/testserver"
)

// TestLocalFullDiskIsNotRetried: an upload into a local lake on a full file system (a real
// one: a 1 MiB tmpfs) fails with ENOSPC, says so, leaves no temp file behind, and the run does
// not retry it; a missing object is not retried either.
func TestLocalFullDiskIsNotRetried(t *testing.T) {
	t.Parallel()
	dir := testserver.Tmpfs(t, 1<<20)
	b, err := storage.NewLocal(filepath.Join(dir, "lake"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	err = b.Upload(ctx, "bronze/users/run_date=2025-07-01/part-0.parquet", bytes.NewReader(make([]byte, 2<<20)))
	if !errors.Is(err, syscall.ENOSPC) || dag.Retryable(fmt.Errorf("bronze users 2025-07-01: %w", err)) {
		t.Errorf("upload to a full disk: %v (ENOSPC %v), want ENOSPC and not retryable", err, errors.Is(err, syscall.ENOSPC))
	}
	if !strings.Contains(err.Error(), "no space left on device") {
		t.Errorf("upload to a full disk: %q does not say so", err)
	}
	// The failed upload gave its space back: no temp file is left.
	if left, err := os.ReadDir(filepath.Join(dir, "lake", filepath.FromSlash(storage.UploadStagingKey))); err != nil || len(left) != 0 {
		t.Errorf("the failed upload left %d temp files (%v)", len(left), err)
	}
	_, err = b.Get(ctx, "no/such/object")
	if !storage.IsNotFound(err) || dag.Retryable(err) {
		t.Errorf("get a missing object: %v, want not found and not retryable", err)
	}
}

// TestS3FullDiskIsNotRetried: a real S3 server (versitygw) whose disk is full (a 2 MiB tmpfs)
// answers an upload with 507 InsufficientStorage: ENOSPC to errors.Is, not retried, and the
// message still names the lake and says why.
func TestS3FullDiskIsNotRetried(t *testing.T) {
	t.Parallel()
	disk := testserver.Tmpfs(t, 2<<20)
	var fallbacks []string
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		fallbacks = append(fallbacks, filepath.Join(strings.TrimSpace(string(out)), "bin", "versitygw"))
	}
	bin := testserver.Executable(t, "METALAKE_VERSITYGW", "versitygw", "make test installs it", fallbacks...)
	addr := "127.0.0.1:" + testserver.FreePort(t)
	testserver.Run(t, exec.Command(bin, "--access", "a", "--secret", "s", "--port", addr, "--quiet", "posix", disk), 15*time.Second, func() bool {
		resp, err := http.Get("http://" + addr)
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	ctx := context.Background()
	b, err := storage.NewS3(ctx, "s3://full/meta", storage.S3Config{Endpoint: "http://" + addr, Region: "us-east-1", PathStyle: true, AccessKey: "a", SecretKey: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.EnsureBucket(ctx); err != nil {
		t.Fatal(err)
	}
	big := make([]byte, 3<<20)
	rand.NewChaCha8([32]byte{}).Read(big)
	err = b.Upload(ctx, "bronze/users/run_date=2025-07-01/part-0.parquet", bytes.NewReader(big))
	if !errors.Is(err, syscall.ENOSPC) || dag.Retryable(err) || !strings.Contains(err.Error(), "s3://full/meta") || !strings.Contains(err.Error(), "InsufficientStorage") {
		t.Errorf("upload to a full S3 server: %v (ENOSPC %v, retryable %v)", err, errors.Is(err, syscall.ENOSPC), dag.Retryable(err))
	}
}

// TestS3FullStoreIsNotRetried: every way an S3-compatible store says it is full (versitygw's
// 507 InsufficientStorage, a bare 507, MinIO's XMinioStorageFull) or over quota (versitygw's
// and Ceph's QuotaExceeded) is ENOSPC or EDQUOT to errors.Is, and not retried; other store
// errors keep their message and stay retryable. The responses are the stores' XML errors,
// read by the AWS SDK.
func TestS3FullStoreIsNotRetried(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status int
		code   string
		errno  syscall.Errno // 0: not a full store
	}{
		{http.StatusInsufficientStorage, "InsufficientStorage", syscall.ENOSPC},
		{http.StatusInsufficientStorage, "", syscall.ENOSPC},
		{http.StatusInsufficientStorage, "XMinioStorageFull", syscall.ENOSPC},
		{http.StatusForbidden, "QuotaExceeded", syscall.EDQUOT},
		{http.StatusForbidden, "AccessDenied", 0},
		{http.StatusBadRequest, "EntityTooSmall", 0},
	} {
		t.Run(fmt.Sprint(tc.status, tc.code), func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(tc.status)
				if tc.code != "" {
					fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>store says %s</Message><RequestId>1</RequestId></Error>`, tc.code, tc.code)
				}
			}))
			defer srv.Close()
			b, err := storage.NewS3(context.Background(), "s3://lake/meta", storage.S3Config{
				Endpoint: srv.URL, Region: "us-east-1", PathStyle: true, AccessKey: "a", SecretKey: "s"})
			if err != nil {
				t.Fatal(err)
			}
			ctx := context.Background()
			err = b.Upload(ctx, "bronze/users/run_date=2025-07-01/_manifest.json", strings.NewReader("{}"))
			if err == nil {
				t.Fatal("upload succeeded")
			}
			if !strings.Contains(err.Error(), "s3://lake/meta") {
				t.Errorf("%v does not name the lake", err)
			}
			for _, n := range []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT} {
				if got := errors.Is(err, n); got != (n == tc.errno) {
					t.Errorf("errors.Is(%v, %v) = %v", err, n, got)
				}
			}
			if got := dag.Retryable(err); got != (tc.errno == 0) {
				t.Errorf("dag.Retryable(%v) = %v", err, got)
			}
			if tc.code != "" && !strings.Contains(err.Error(), tc.code) {
				t.Errorf("%v lost the store's code %s", err, tc.code)
			}
		})
	}
}

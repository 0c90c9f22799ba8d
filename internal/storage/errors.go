package storage

import (
	"errors"
	"net/http"
	"syscall"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// permanentError is a sentinel that retrying the same operation within a run cannot change
// (internal/dag reads Retryable).
type permanentError struct{ msg string }

func (e *permanentError) Error() string   { return e.msg }
func (e *permanentError) Retryable() bool { return false }

// s3FullCodes are the error codes by which S3-compatible stores say they cannot take more
// data: versitygw and the HTTP status 507 ("InsufficientStorage", its disk is full), MinIO
// ("XMinioStorageFull"), versitygw and Ceph RGW ("QuotaExceeded": a user or bucket quota).
//
// A local bucket on a full disk fails with the errno itself (syscall.ENOSPC in a
// *fs.PathError); the S3 backend translates a store's report into the same errno, so
// errors.Is(err, syscall.ENOSPC) (EDQUOT) is the one test for a store that cannot take more
// data, whichever backend saw it, and the run does not retry it (dag.Exhausted).
var s3FullCodes = map[string]syscall.Errno{
	"InsufficientStorage": syscall.ENOSPC,
	"XMinioStorageFull":   syscall.ENOSPC,
	"QuotaExceeded":       syscall.EDQUOT,
}

// s3Errno returns the file-system errno an S3 error amounts to, if it says the store is full.
func s3Errno(err error) (syscall.Errno, bool) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		if n, ok := s3FullCodes[ae.ErrorCode()]; ok {
			return n, true
		}
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() == http.StatusInsufficientStorage {
		return syscall.ENOSPC, true
	}
	return 0, false
}

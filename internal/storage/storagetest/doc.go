// Package storagetest is the conformance suite of storage.Bucket: every backend and decorator
// runs Run from its tests, so they all honour the same contract (the doc comments of
// storage.BucketReader and storage.Bucket, plus the key rules of storage.ValidateKey and the
// range rules of storage.ErrInvalidRange).
//
// Run only uses keys that every backend can hold: in particular it never stores both "a" and
// "a/b", which object stores allow but a local directory cannot. If the bucket implements the
// optional extras (storage.LocalPather, storage.FileUploader), their contracts are checked too.
package storagetest

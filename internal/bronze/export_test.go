package bronze

// SetMaxLineBytes lowers the record size limit so a test can cross it with small files, and
// returns the function restoring it. The limit is package state: the test must not run in
// parallel (parallel tests start only after the sequential ones have finished).
func SetMaxLineBytes(n int64) (restore func()) {
	old := maxLineBytes
	maxLineBytes = n
	return func() { maxLineBytes = old }
}

// LineBucket is the number of ordinals per bucket of the record-number map.
const LineBucket = lineBucket

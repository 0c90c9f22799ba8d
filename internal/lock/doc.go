// Package lock enforces one active run per lake (Airflow's max_active_runs=1) with a lease
// stored as one JSON object in the lake, so it works on any storage.Bucket: a local directory
// today, an object store later, with no rename, no flock and no conditional put.
//
// The lease. The lock object names its owner (a random token), host, PID, run date, and when it
// was acquired and last refreshed. The holder refreshes it every Options.Heartbeat. Another
// process treats the lock as held while the last refresh is younger than Options.TTL; for a
// lock written on its own host it asks instead whether the owner process still runs (a
// process killed with SIGKILL is taken over at once, a live one is never taken over). An
// expired lock is taken over by the next Acquire, never by someone deleting files.
//
// Taking the lock without compare-and-swap (Fischer's timed mutual exclusion). Acquire reads
// the lock; if it is free it writes its own, waits Options.Settle, and reads it back: only if
// its token is still there does it own the lock. Of several racers that all saw it free, the
// last writer wins and the others see its token. This is sound as long as each racer's read
// and write together take less than the settle delay, which Acquire measures: when the store
// was slower, it tries again (up to eight times, so that a store slow only now and then, such
// as a request retried after a connection reset, still gets the lock) rather than trust the
// result, and then fails with ErrTooSlow. Settle must therefore exceed the store's write
// latency with room to spare (the 200 ms default suits a local disk; use about two seconds on
// a remote object store: metalake.yaml's pipeline.lock_settle).
//
// The heartbeat re-reads the lock before refreshing it; if the lock is gone or names another
// owner (this process stalled past its lease and was taken over), Lost is closed and the run
// must stop. That read and the write after it are two steps, so they alone cannot keep a
// refresh from landing over a take-over; the lease does. A run on another host writes the
// lock only once our lease has expired, so a refresh writes only while at least Options.Settle
// of its lease is left (Settle exceeds the store's write latency, so the write lands before the
// lease ends), and it renews the lease only if the write returned before the lease ended. A
// holder that stalled (GC pause, SIGSTOP, a slow store) past that point has lost the lock: it
// closes Lost and writes nothing more, neither a refresh nor the delete of Release, since
// either could land over a run that took over and confirmed it meanwhile — two owners. The
// lock it leaves is taken over by the next Acquire once its lease has expired (on this host,
// once the process has exited). Lease times come from Options.Now, so clocks of hosts sharing a
// lake must agree within a fraction of the TTL.
package lock

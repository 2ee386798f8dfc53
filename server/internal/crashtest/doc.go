// Package crashtest holds the crash and fault tests: they build the real
// binary (go build ./server), run it as a child process on a temporary SQLite
// data folder or a fresh PostgreSQL schema, and then kill it with SIGKILL, cut
// its database connection through a proxy, fill its disk, back it up under
// load and flood it — checking afterwards that nothing acknowledged was lost,
// nothing was done twice, and the event log and the database are intact.
//
// The default run takes well under a minute; RAPPORT_CRASH_LONG=1 runs the
// long version (many more kills).
package crashtest

// Package benchkit holds the helpers the benchmark programs under bench/
// share: the run's database (db.go), the supportd child process
// (supportd.go), readings from /proc (proc.go), seeding customers through the
// store (seed.go), and waiting for the machine to be free (quiet.go).
package benchkit

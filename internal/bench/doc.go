// Package bench holds the load tools behind `accord bench`: opening cases
// over the REST API against pgbench's raw insert rate (Cases), timing the
// pages and API calls people wait on with the server's memory (Pages), a
// large realistic history written straight into the database (Seed), and
// the queries that find due work (Due). cmd/accord parses the flags and
// wires the domain services the seed needs; docs/benchmarks.md records
// the figures and how they were taken.
package bench

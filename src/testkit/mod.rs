//! Helpers shared by the integration tests and the benchmarks, compiled only with the
//! `testkit` feature — which the package's dev-dependency on itself turns on for tests and
//! benches, so it is never part of a normal build of the binary or the library.
//!
//! Layer: test support, above everything it uses (`transcript`, `driver`, `proto`). It may
//! panic: a helper that cannot do its job ends the test or benchmark that called it.
pub mod generate;

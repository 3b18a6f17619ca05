//! The Docker provider on the real engine, through the real binary. A missing engine is a
//! failure in CI (`CI` set) and a skip elsewhere.

mod support;

mod compose;
mod containers;

//! Empty: it is there so that the build-dependencies are built for the host.

fn main() {}

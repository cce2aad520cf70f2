import NIOPosix

/// The threads that run PQ's blocking libpq calls.
///
/// libpq is a blocking C library. PQ never calls it from Swift's cooperative pool: each call
/// runs as a job on an `NIOThreadPool`, and the calling task awaits it. A statement occupies
/// one thread while it runs, so this pool is sized for the connections that run statements at
/// once, not for the cores. Non-blocking libpq driven by socket readiness would save those
/// threads but re-implements libpq's own state machine for every call (connect, results, COPY);
/// the thread per running statement is what psycopg 3's sync layer and GRDB do as well.
public enum PQThreadPool {
    /// Shared by connections that are not given a pool of their own: 64 threads, started once.
    public static let shared: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 64)
        pool.start()
        return pool
    }()
}

/// Why PQ runs libpq on threads of its own.
///
/// libpq is a blocking C library. PQ never calls it from Swift's cooperative pool: every
/// connection owns one thread (an `NIOThreadPool` of size one) that runs its libpq calls as
/// jobs, and the calling task awaits them. A connection runs one statement at a time anyway, so
/// one thread per connection costs nothing in parallelism, and it keeps every `PGresult` of a
/// connection allocated and freed in the same malloc arena (with a shared pool, results
/// allocated on many threads grew the resident set of a 1,000,000-row stream from 28 to 80 MiB).
/// Non-blocking libpq driven by socket readiness would save those threads but re-implement
/// libpq's own state machine for every call (connect, results, COPY); a thread per connection
/// is what psycopg 3's sync layer and GRDB do as well. ``NotificationListener`` has its own
/// thread too, blocked in `poll(2)` on its socket; `PQcancel` runs on a short-lived thread.
public enum PQThreadPool {}

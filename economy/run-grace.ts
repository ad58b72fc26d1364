/**
 * A run's end, in time. A renewal is cleared by the round at its lease's boundary, and that round
 * settles a moment after the lease it continues has ended (with 60-s rounds and 60-s leases,
 * always). So a run whose lease ends without a renewal yet is held, its agent frozen (SIGSTOP: it
 * uses nothing it has not paid for), while that round settles: continued (SIGCONT) in the same
 * process if the renewal comes, stopped otherwise. Without this hold, every such renewal would
 * start a new run: a new process locally, a new Fargate task, with its cold start, in AWS.
 */

/** How long a run is held past its lease's end for a renewal the boundary's round may still settle. */
export const RENEWAL_GRACE_MS = 10_000;

/**
 * How long a run's credential outlives the run's planned end: the renewal grace, then the window of
 * the hard stop (SIGTERM, then SIGKILL within 2 s). A run that ends is revoked at once; this only
 * bounds a credential whose revocation was lost.
 */
export const CREDENTIAL_GRACE_MS = RENEWAL_GRACE_MS + 5_000;

/** How often a held run asks whether its renewal has come. */
export const RENEWAL_POLL_MS = 1_000;

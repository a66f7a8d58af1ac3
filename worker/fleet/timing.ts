// How long ownership lasts without a heartbeat, and the rhythm that keeps it alive
// (docs/decisions.md#one-registry-durable-object-for-ownership). Constants only.

/** A connector's instances stay its own this long after the last renewal. */
export const LEASE_MS = 30_000;
/** The hub renews the lease this often while its socket is healthy (its alarm). */
export const RENEW_EVERY_MS = 10_000;
/** A socket whose last heartbeat is older than this is dead: closed, and renewals stop. */
export const HEARTBEAT_STALE_MS = 20_000;
/** Connectors that do not say how many instances they take get this many. */
export const DEFAULT_CAPACITY = 50;
/** Upgrade nonces are remembered this long (twice the signature's clock skew). */
export const NONCE_TTL_MS = 600_000;

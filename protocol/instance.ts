// Facts about an instance both processes must agree on: what a valid name is, the connection
// states, and the shortest connector secret either side accepts. One definition each; no I/O.
import { z } from "zod";

export const INSTANCE_NAME_MAX_LENGTH = 64;
/** The characters a name may use, as a regex character class body. */
export const INSTANCE_NAME_CHARACTERS = "A-Za-z0-9._-";
/** 1-64 characters of A-Z a-z 0-9 . _ - (names become paths on the connector's disk). */
export const INSTANCE_NAME_PATTERN = new RegExp(`^[${INSTANCE_NAME_CHARACTERS}]{1,${INSTANCE_NAME_MAX_LENGTH}}$`);

/** Why `name` is not a valid instance name (one reason, as users read it), or undefined. */
export function instanceNameProblem(name: string): string | undefined {
  if (name.length === 0) return "must not be empty";
  if (name.length > INSTANCE_NAME_MAX_LENGTH) return `must be at most ${INSTANCE_NAME_MAX_LENGTH} characters`;
  if (!INSTANCE_NAME_PATTERN.test(name)) return "may only contain letters, digits, '.', '_' and '-'";
  // The connector keeps each instance's credentials under a directory of this name.
  if (name === "." || name === "..") return 'must not be "." or ".."';
  return undefined;
}

export const CONNECTION_STATES = ["open", "connecting", "close"] as const;
export const connectionStateSchema = z.enum(CONNECTION_STATES);
export type ConnectionState = z.infer<typeof connectionStateSchema>;

/** Both the worker and the connector refuse a shorter CONNECTOR_SECRET (it keys every HMAC). */
export const CONNECTOR_SECRET_MIN_LENGTH = 16;

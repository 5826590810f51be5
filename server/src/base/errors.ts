/**
 * The one way an unknown thrown value becomes text for a log line or an error reply.
 * Anything can be thrown in JavaScript; only an `Error` has a message worth showing as it is.
 */

/** The message of an Error, or the thrown value as a string. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * `strata/stats`: the stats object of the design brief for the running server (no params).
 */
import { guarded } from '../guard.js';
import type { Session } from '../session.js';

export const STATS_METHOD = 'strata/stats';

export function registerStatsHandler(session: Session): void {
  session.connection.onRequest(STATS_METHOD, guarded(session.log, STATS_METHOD, () => session.service.stats()));
}

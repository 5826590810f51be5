/**
 * `strata/stats`: the stats object of the design brief for the running server (no params).
 */
import { guarded } from '../guard.js';
import { STATS_METHOD } from '../../protocol.js';
import type { Session } from '../session.js';


export function registerStatsHandler(session: Session): void {
  session.connection.onRequest(STATS_METHOD, guarded(session.log, STATS_METHOD, () => session.service.stats()));
}

/**
 * Debug requests for the reliability suites. Registered only when the server runs with
 * STRATA_DEBUG=1 (server.ts decides); otherwise the methods do not exist (MethodNotFound).
 *
 * - `strata/debug/text` `{ uri }` → `{ text }`: the text the server holds for the document, as it
 *   would serve it: an open document's text, else the cache's verified read (`textOf`). Unknown
 *   documents get InvalidParams; a cache integrity failure with no verified fallback gets
 *   RequestFailed whose message names it (`cache integrity failure for …`). Never other bytes.
 * - `strata/debug/injectFaults` `{ seed, flips, targets?, uris? }` → `{ injected: [{ region, byte,
 *   bit }], entries }`: flips `flips` seeded random bits in the running cache's stored bytes
 *   (index/faults.ts); `targets` restricts the region kinds (FaultKind), `uris` the documents.
 * - `strata/debug/releaseMemory` → `{ heapTotalBytes, heapUsedBytes, externalBytes, arrayBuffersBytes,
 *   youngGenerationBytes }`: ends idle parser workers and collects garbage, so the memory the client
 *   reads next is what the server retains (the soak's drift); answers the main thread's heap then.
 */
import { getHeapSpaceStatistics } from 'node:v8';
import { LSPErrorCodes, ResponseError } from 'vscode-languageserver/node';
import { guarded, InvalidParamsError, requireRecord, requireString, requireUInt } from '../guard.js';
import { FAULT_KINDS, UnknownDocumentError, type FaultKind } from '../../index/api.js';
import { DEBUG_INJECT_METHOD, DEBUG_RELEASE_METHOD, DEBUG_TEXT_METHOD } from '../../protocol.js';
import type { Session } from '../session.js';


/** At most this many flips per request: enough to wreck any cache, small enough to answer at once. */
const MAX_FLIPS = 100_000;

export function registerDebugHandlers(session: Session): void {
  const { connection, service, log } = session;

  connection.onRequest(DEBUG_TEXT_METHOD, guarded(log, DEBUG_TEXT_METHOD, async (params: unknown) => {
    const uri = requireString(requireRecord(params, 'params')['uri'], 'params.uri');
    const key = session.keyOf(uri);
    let text: string | undefined;
    try {
      text = await service.textOf(key);
    } catch (err) {
      // The cache's IntegrityError (lsp/ does not import cache/: matched by name).
      if (err instanceof Error && err.name === 'IntegrityError')
        throw new ResponseError(LSPErrorCodes.RequestFailed, `strata: ${err.message}`);
      throw err;
    }
    if (text === undefined) throw new UnknownDocumentError(`unknown document: ${uri}`);
    return { text };
  }));

  connection.onRequest(DEBUG_INJECT_METHOD, guarded(log, DEBUG_INJECT_METHOD, (params: unknown) => {
    const p = requireRecord(params, 'params');
    const seed = requireUInt(p['seed'], 'params.seed');
    const flips = requireUInt(p['flips'], 'params.flips');
    if (flips > MAX_FLIPS) throw new InvalidParamsError(`params.flips must be at most ${MAX_FLIPS}`);
    let kinds: FaultKind[] | undefined;
    if (p['targets'] !== undefined) {
      if (!Array.isArray(p['targets'])) throw new InvalidParamsError('params.targets must be an array');
      kinds = (p['targets'] as unknown[]).map((t, i) => {
        if (!(FAULT_KINDS as readonly unknown[]).includes(t as FaultKind))
          throw new InvalidParamsError(`params.targets[${i}] must be one of ${FAULT_KINDS.join(', ')}`);
        return t as FaultKind;
      });
    }
    let keys: string[] | undefined;
    if (p['uris'] !== undefined) {
      if (!Array.isArray(p['uris'])) throw new InvalidParamsError('params.uris must be an array');
      keys = (p['uris'] as unknown[]).map((u, i) => session.keyOf(requireString(u, `params.uris[${i}]`)));
    }
    const report = service.injectFaults({ seed, flips, ...(kinds ? { kinds } : {}), ...(keys ? { keys } : {}) });
    log.info(
      `${DEBUG_INJECT_METHOD}: seed ${seed}, ${report.injected.length} bits flipped over ${report.entries} entries`,
    );
    return report;
  }));

  connection.onRequest(DEBUG_RELEASE_METHOD, guarded(log, DEBUG_RELEASE_METHOD, async () => {
    await service.releaseMemory?.();
    // What the main thread retains, for the soak's report: V8's heap, and memory outside it.
    const m = process.memoryUsage();
    const space = (name: string): number =>
      getHeapSpaceStatistics().find((s) => s.space_name === name)?.space_size ?? 0;
    return {
      heapTotalBytes: m.heapTotal, heapUsedBytes: m.heapUsed,
      externalBytes: m.external, arrayBuffersBytes: m.arrayBuffers,
      // Empty after the collection (its survivors were promoted), but committed at whatever size V8 grew it to.
      youngGenerationBytes: space('new_space') + space('new_large_object_space'),
    };
  }));
}

/**
 * `textDocument/definition` and `textDocument/references`: name-based, from each grammar's
 * definition and reference queries, as code search does. The workspace orders results (the file
 * being edited first) and answers closed files from its indexes; a `$/cancelRequest` stops the
 * search (guard.ts passes it down as an AbortSignal).
 */
import type { Location as LspLocation } from 'vscode-languageserver/node';
import { guarded, isRecord, requirePosition, requireRecord, requireTextDocumentUri } from '../guard.js';
import type { Location } from '../../index/api.js';
import type { ResponseLines, Session } from '../session.js';

async function toLsp(session: Session, found: readonly Location[], lines: ResponseLines): Promise<LspLocation[]> {
  const ranges = await session.rangesByKey(found, lines);
  // Each file's URI made once: an answer of thousands of locations comes from far fewer files.
  const uris = new Map<string, string>();
  return found.map((loc, i) => {
    let uri = uris.get(loc.key);
    if (uri === undefined) uris.set(loc.key, uri = session.uriOf(loc.key));
    return { uri, range: ranges[i]! };
  });
}

export function registerNavigationHandlers(session: Session): void {
  const { connection, service, log } = session;

  const definition = guarded(log, 'textDocument/definition', async (params: unknown, signal) => {
    const key = session.keyOf(requireTextDocumentUri(params));
    const lines = session.responseLines();
    const at = requirePosition(requireRecord(params, 'params')['position'], 'params.position');
    const position = await session.toInternal(key, at, lines);
    return toLsp(session, await service.definition(key, position, signal), lines);
  });
  connection.onRequest('textDocument/definition', definition);

  const references = guarded(log, 'textDocument/references', async (params: unknown, signal) => {
    const p = requireRecord(params, 'params');
    const key = session.keyOf(requireTextDocumentUri(params));
    const lines = session.responseLines();
    const position = await session.toInternal(key, requirePosition(p['position'], 'params.position'), lines);
    const includeDeclaration = isRecord(p['context']) ? p['context']['includeDeclaration'] !== false : true;
    return toLsp(session, await service.references(key, position, includeDeclaration, signal), lines);
  });
  connection.onRequest('textDocument/references', references);
}

/**
 * Text synchronisation (incremental): didOpen, didChange, didClose, didSave, and the syntax
 * diagnostics that follow them. An edit that cannot be applied is refused whole, logged, and the
 * document keeps its last good text (a notification has no response to carry an error).
 * Diagnostics are debounced per document so a burst of keystrokes costs one parse. They carry the
 * version of the text they describe; a result whose document changed or closed while it was being
 * computed is dropped (a newer one is scheduled by that change), so no older text's diagnostics are
 * ever published after a newer one's.
 */
import { DiagnosticSeverity, type Diagnostic } from 'vscode-languageserver/node';
import {
  guardedNotification, requireArray, requireInt, requirePosition, requireRecord, requireString, requireTextDocumentUri,
} from '../guard.js';
import type { TextChange } from '../../index/api.js';
import type { Session } from '../session.js';
import { errorMessage } from '../../base/errors.js';

const DIAGNOSTICS_DELAY_MS = 150;

export function registerDocumentHandlers(session: Session): void {
  const { connection, service, log } = session;
  const pending = new Map<string, NodeJS.Timeout>();

  const publishDiagnostics = async (uri: string, key: string) => {
    const version = service.documentVersion(key);
    const text = service.documentText(key);
    if (version === undefined || text === undefined) return; // closed meanwhile
    // The same version and text after the awaits: the analysis in between was of this text.
    const current = () => service.documentVersion(key) === version && service.documentText(key) === text;
    try {
      const found = await service.diagnostics(key);
      const ranges = await session.rangesFor(key, found.map((d) => d.span));
      if (!current()) return log.debug(`diagnostics for ${uri}: version ${version} superseded; not published`);
      const diagnostics: Diagnostic[] = found.map((d, i) => ({
        range: ranges[i]!,
        // An analysis cut by its time budget is a warning about Strata, not an error in the file.
        severity: d.kind === 'incomplete' ? DiagnosticSeverity.Warning : DiagnosticSeverity.Error,
        source: 'strata',
        message: d.message,
      }));
      await connection.sendDiagnostics({ uri, version, diagnostics });
    } catch (err) {
      log.warn(`diagnostics for ${uri}: ${errorMessage(err)}`);
    }
  };

  const schedule = (uri: string, key: string, delay: number) => {
    clearTimeout(pending.get(key));
    pending.set(key, setTimeout(() => {
      pending.delete(key);
      void publishDiagnostics(uri, key);
    }, delay));
  };

  connection.onDidOpenTextDocument(guardedNotification(log, 'textDocument/didOpen', (params: unknown) => {
    const p = requireRecord(params, 'params');
    const doc = requireRecord(p['textDocument'], 'params.textDocument');
    const uri = requireString(doc['uri'], 'textDocument.uri');
    const key = session.keyOf(uri);
    const languageId = typeof doc['languageId'] === 'string' ? doc['languageId'] : '';
    const version = requireInt(doc['version'], 'textDocument.version');
    const text = requireString(doc['text'], 'textDocument.text');
    service.openDocument(key, languageId, version, text);
    schedule(uri, key, 0);
  }));

  connection.onDidChangeTextDocument(guardedNotification(log, 'textDocument/didChange', (params: unknown) => {
    const p = requireRecord(params, 'params');
    const doc = requireRecord(p['textDocument'], 'params.textDocument');
    const uri = requireString(doc['uri'], 'textDocument.uri');
    const key = session.keyOf(uri);
    const version = requireInt(doc['version'], 'textDocument.version');
    const changes: TextChange[] = requireArray(p['contentChanges'], 'params.contentChanges').map((c: unknown, i) => {
      const change = requireRecord(c, `contentChanges[${i}]`);
      const text = requireString(change['text'], `contentChanges[${i}].text`);
      if (change['range'] === undefined || change['range'] === null) return { text };
      const range = requireRecord(change['range'], `contentChanges[${i}].range`);
      return {
        range: {
          start: requirePosition(range['start'], `contentChanges[${i}].range.start`),
          end: requirePosition(range['end'], `contentChanges[${i}].range.end`),
        },
        text,
      };
    });
    service.changeDocument(key, version, changes, session.codec.encoding);
    schedule(uri, key, DIAGNOSTICS_DELAY_MS);
  }));

  connection.onDidCloseTextDocument(guardedNotification(log, 'textDocument/didClose', (params: unknown) => {
    const uri = requireTextDocumentUri(params);
    const key = session.keyOf(uri);
    clearTimeout(pending.get(key));
    pending.delete(key);
    service.closeDocument(key);
    // A closed file's problems are no longer shown: they are about text the editor no longer has.
    void connection.sendDiagnostics({ uri, diagnostics: [] });
  }));

  connection.onDidSaveTextDocument(guardedNotification(log, 'textDocument/didSave', (params: unknown) => {
    service.saveDocument(session.keyOf(requireTextDocumentUri(params)));
  }));
}

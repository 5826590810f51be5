/**
 * The per-thread registry of compiled queries: one `Query` per language, compiled on first use and
 * kept for the life of the thread (a parser worker analyses thousands of files with it).
 *
 * Compiling is the costly step (milliseconds per grammar), so it never happens per call. The query
 * text is read from grammars/<lang>.scm synchronously, once, so that the analysis functions stay
 * synchronous over a live tree; the Language comes from the tree itself. `disposeQueries()` deletes
 * every compiled query exactly once (thread shutdown, tests); a later call compiles afresh.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Query, type Language } from 'web-tree-sitter';
import { grammarsDir } from '../grammars.js';
import { languageByName, type LanguageInfo, type LanguageName } from '../languages.js';
import { captureRoles, type CaptureRole } from './captures.js';

export interface CompiledQuery {
  readonly language: LanguageName;
  readonly query: Query;
  /** Role of each capture index (see captures.ts). */
  readonly roles: readonly CaptureRole[];
  /** Identifies the grammar the query was compiled for (see grammarFingerprint). */
  readonly grammar: string;
}

/**
 * What identifies a grammar cheaply: older (ABI 14) grammars carry no name, so the name is
 * completed by the sizes of the grammar's tables, which differ between any two grammars.
 */
function grammarFingerprint(language: Language): string {
  return [
    language.name, language.abiVersion, language.nodeTypeCount, language.fieldCount, language.stateCount,
  ].join(':');
}

const compiled = new Map<LanguageName, CompiledQuery>();

/** Resolves a language given by name or registry entry; throws for an unknown name. */
function languageInfo(lang: LanguageInfo | LanguageName): LanguageInfo {
  const info = typeof lang === 'string' ? languageByName(lang) : lang;
  if (!info) throw new Error(`strata: unknown language '${lang as LanguageName}'`);
  return info;
}

/** The text of a language's query: its query files joined in order. */
export function querySource(lang: LanguageInfo | LanguageName): string {
  return languageInfo(lang).queries.map((file) => readFileSync(join(grammarsDir(), file), 'utf8')).join('\n');
}

/**
 * Compiles a query and checks its capture names against the convention. The caller owns the
 * result and must `delete()` it; on a convention error the query is deleted before throwing.
 */
export function compileQuery(language: Language, source: string): { query: Query; roles: CaptureRole[] } {
  const query = new Query(language, source);
  try {
    return { query, roles: captureRoles(query.captureNames) };
  } catch (e) {
    query.delete();
    throw e;
  }
}

/** The thread's compiled query for `lang`, compiling it against `language` on first use. */
export function queryFor(lang: LanguageInfo | LanguageName, language: Language): CompiledQuery {
  const info = languageInfo(lang);
  let q = compiled.get(info.name);
  if (!q) {
    if (language.name !== null && language.name !== info.name) throw mismatch(language, info);
    const { query, roles } = compileQuery(language, querySource(info));
    q = { language: info.name, query, roles, grammar: grammarFingerprint(language) };
    compiled.set(info.name, q);
  } else if (grammarFingerprint(language) !== q.grammar) {
    // Running a query on a tree of another grammar returns nonsense (node type ids differ).
    throw mismatch(language, info);
  }
  return q;
}

function mismatch(language: Language, info: LanguageInfo): Error {
  return new Error(
    `strata: a tree of grammar '${String(language.name ?? 'unnamed')}' cannot be analysed as ${info.name}`,
  );
}

/** Number of live compiled queries in this thread (for stats and leak tests). */
export function compiledQueryCount(): number {
  return compiled.size;
}

/** Deletes every compiled query of this thread, each exactly once. */
export function disposeQueries(): void {
  for (const q of compiled.values()) q.query.delete();
  compiled.clear();
}

/**
 * Edit journal records: each edit since the entry's chunks were written, as one self-checking record.
 *
 * Layout (little-endian): start u32, end u32, textLength u32, auxCount u32, lengthAfter u32,
 * crcAfter u32, flags u32 (bit 0: crcAfter is known), text bytes, aux int32s, then the CRC-32 of
 * everything before it.
 *
 * A record costs O(edit), not O(file): it carries its own CRC (a flipped bit is caught) and the text
 * length after it (a misplaced or dropped record is caught); the whole-text CRC only when the caller
 * knows it. So base (chunk CRCs, length, CRC) → records (CRC, bounds, lengths) → splice is checked
 * end to end; the only unchecked step is the splice code itself. Pure functions; no state.
 */
import { crc32 } from '../common/crc32.js';
import { CorruptionDetected } from '../common/errors.js';

export interface JournalEdit {
  /** Byte offsets into the text before this edit. */
  start: number;
  end: number;
  text: Uint8Array;
  /** Opaque numbers the syntax layer keeps with the edit (tree-sitter Edit fields); stored and CRC-checked. */
  aux?: Int32Array;
}

export interface DecodedRecord {
  edit: JournalEdit;
  lengthAfter: number;
  crcAfter: number | undefined;
}

const HEADER = 28;

export function encodeRecord(edit: JournalEdit, lengthAfter: number, crcAfter: number | undefined): Uint8Array {
  const auxCount = edit.aux?.length ?? 0;
  const size = HEADER + edit.text.length + auxCount * 4 + 4;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, edit.start, true);
  view.setUint32(4, edit.end, true);
  view.setUint32(8, edit.text.length, true);
  view.setUint32(12, auxCount, true);
  view.setUint32(16, lengthAfter, true);
  view.setUint32(20, crcAfter ?? 0, true);
  view.setUint32(24, crcAfter === undefined ? 0 : 1, true);
  out.set(edit.text, HEADER);
  let at = HEADER + edit.text.length;
  for (let i = 0; i < auxCount; i++, at += 4) view.setInt32(at, edit.aux![i], true);
  view.setUint32(at, crc32(out.subarray(0, at)), true);
  return out;
}

/** Decodes and verifies a record; throws CorruptionDetected if it does not check. */
export function decodeRecord(record: Uint8Array): DecodedRecord {
  const fail = (why: string): never => {
    throw new CorruptionDetected('journal-record', why);
  };
  if (record.length < HEADER + 4) fail('record too short');
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const body = record.length - 4;
  if (crc32(record.subarray(0, body)) !== view.getUint32(body, true)) fail('record CRC mismatch');
  const textLength = view.getUint32(8, true);
  const auxCount = view.getUint32(12, true);
  if (HEADER + textLength + auxCount * 4 !== body) fail('record size mismatch');
  const aux = auxCount > 0 ? new Int32Array(auxCount) : undefined;
  for (let i = 0; i < auxCount; i++) aux![i] = view.getInt32(HEADER + textLength + i * 4, true);
  const edit: JournalEdit = {
    start: view.getUint32(0, true),
    end: view.getUint32(4, true),
    text: record.slice(HEADER, HEADER + textLength),
  };
  if (aux) edit.aux = aux;
  return {
    edit,
    lengthAfter: view.getUint32(16, true),
    crcAfter: view.getUint32(24, true) & 1 ? view.getUint32(20, true) : undefined,
  };
}

/** Applies verified records to a verified base, checking bounds and the length after each edit. */
export function applyRecords(base: Uint8Array, records: readonly DecodedRecord[]): Uint8Array {
  let text = base;
  for (const { edit, lengthAfter } of records) {
    if (!(edit.start <= edit.end && edit.end <= text.length)) {
      throw new CorruptionDetected(
        'journal-record', `edit [${edit.start}, ${edit.end}) outside text of ${text.length} bytes`,
      );
    }
    const next = new Uint8Array(text.length - (edit.end - edit.start) + edit.text.length);
    next.set(text.subarray(0, edit.start), 0);
    next.set(edit.text, edit.start);
    next.set(text.subarray(edit.end), edit.start + edit.text.length);
    if (next.length !== lengthAfter)
      throw new CorruptionDetected('journal-record', `length after edit ${next.length} ≠ recorded ${lengthAfter}`);
    text = next;
  }
  return text;
}

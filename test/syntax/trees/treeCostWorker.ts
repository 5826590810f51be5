/**
 * Worker entry for the tree-cost tests: measures in a fresh thread, i.e. a fresh wasm heap whose
 * growth nothing else in the test process can disturb.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { measure } from './treeCostMeasure.js';

const { lang, files } = workerData as { lang: Parameters<typeof measure>[0]; files: string[] };
parentPort!.postMessage(await measure(lang, files));

// Where a node's log lives: <node dir>/log. The tools accept either the node directory or the
// log directory itself.
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseSegmentFileName } from './format.js';

export const LOG_SUBDIR = 'log';

export interface LogLocation {
  nodeDir: string;
  logDir: string;
}

export async function locateLog(path: string): Promise<LogLocation> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isDirectory()) throw new Error(`${path} is not a directory`);
  const names = await readdir(path);
  if (basename(path) === LOG_SUBDIR || names.some((name) => parseSegmentFileName(name) !== undefined)) {
    return { nodeDir: dirname(path), logDir: path };
  }
  if (names.includes(LOG_SUBDIR)) return { nodeDir: path, logDir: join(path, LOG_SUBDIR) };
  throw new Error(`${path} holds neither a log/ directory nor segment files`);
}

/** Rules of society: what a child's files and a message may be, and what an inbox holds. */
import { ValidationError } from './errors.js';
import type { Micros } from './money.js';

/** What an agent finds in its inbox: the human's reply to one of its prompts, or another agent's message. */
export interface InboxItem {
  itemId: string;
  kind: 'reply' | 'message';
  /** `human`, or the sending agent's id. */
  from: string;
  body: string;
  promptId?: string;
  reward?: Micros;
  at: number;
}

export const MAX_MESSAGE_BYTES = 16 * 1024;
export const MAX_SPAWN_FILES = 64;
export const MAX_SPAWN_BYTES = 1024 * 1024;
const SAFE_PATH = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;

/** A path inside a workspace: relative, with no way out of it. */
export function assertWorkspacePath(path: string, field = 'files'): void {
  if (!SAFE_PATH.test(path) || path.length > 200) {
    throw new ValidationError(`file path "${path}" must be relative, inside the workspace, of letters, digits, '.', '-', '_' and '/'`, { field });
  }
}

/** Files for a child's workspace: relative paths inside it, text, within limits. */
export function assertFiles(files: Record<string, string>): void {
  const entries = Object.entries(files);
  if (entries.length > MAX_SPAWN_FILES) throw new ValidationError(`at most ${MAX_SPAWN_FILES} files`, { field: 'files' });
  let bytes = 0;
  for (const [path, content] of entries) {
    assertWorkspacePath(path);
    if (path === 'state.json') throw new ValidationError('a child starts with its own state: state.json cannot be given', { field: 'files' });
    bytes += Buffer.byteLength(content, 'utf8');
  }
  if (bytes > MAX_SPAWN_BYTES) throw new ValidationError(`files may hold at most ${MAX_SPAWN_BYTES} bytes`, { field: 'files' });
}

export function assertMessageBody(body: string): void {
  if (body.length === 0 || Buffer.byteLength(body, 'utf8') > MAX_MESSAGE_BYTES) {
    throw new ValidationError(`a message body is 1 to ${MAX_MESSAGE_BYTES} bytes`, { field: 'body' });
  }
}

/** A message from one agent to another: a body within bounds, never to itself. */
export function newMessage(req: { from: string; to: string; body: string }, at: { now: number; newId(): string }): InboxItem {
  assertMessageBody(req.body);
  if (req.to === req.from) throw new ValidationError('an agent cannot message itself', { field: 'to' });
  return { itemId: at.newId(), kind: 'message', from: req.from, body: req.body, at: at.now };
}

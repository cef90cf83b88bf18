import type { ReadDocument, ReadRequest } from '../document-reader.js';

/** What the reading worker is sent: one source at a time. */
export interface ReadMessage {
  id: number;
  request: ReadRequest;
}

/** What it answers: the document, or why it could not be read (`parse`: the source's fault, said in `message`). */
export type ReadReply = { id: number; ok: true; document: ReadDocument } | { id: number; ok: false; parse: boolean; message: string };

/** Said once, when the worker has loaded what it reads with: its time limit starts with its first source, not its start. */
export const READY = 'ready';

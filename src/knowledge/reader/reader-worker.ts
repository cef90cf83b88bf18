import { parentPort } from 'node:worker_threads';
import { DocumentParseError } from '../parse-document.js';
import { cl100k } from '../../core/cl100k.js';
import { readDocument } from '../read-document.js';
import { READY, type ReadMessage, type ReadReply } from './reader-protocol.js';

// A reading worker: parses and cuts one source at a time for WorkerDocumentReader, which
// bounds its time and heap; a source that blows either takes only this thread down.
const port = parentPort!;
await cl100k();
port.postMessage(READY);
port.on('message', (message: ReadMessage) => {
  readDocument(message.request).then(
    (document) => port.postMessage({ id: message.id, ok: true, document } satisfies ReadReply),
    (error: unknown) => port.postMessage({ id: message.id, ok: false, parse: error instanceof DocumentParseError, message: (error as Error).message ?? String(error) } satisfies ReadReply),
  );
});

import { parentPort } from 'node:worker_threads';
import { cl100k } from '../../core/cl100k.js';
import { DocumentParseError } from '../parse-document.js';
import { readDocument } from '../read-document.js';
import { READY, type ReadMessage, type ReadReply } from './reader-protocol.js';

// A reading worker: parses and cuts the sources it is sent for WorkerDocumentReader, which
// bounds its time and heap; a source that blows either takes only this thread down. One at a
// time, in the order sent: each answer is for the source the reader's time limit is on.
const port = parentPort!;
let previous: Promise<void> = Promise.resolve();
port.on('message', (message: ReadMessage) => {
  previous = previous.then(() =>
    readDocument(message.request).then(
      (document) => port.postMessage({ id: message.id, ok: true, document } satisfies ReadReply),
      (error: unknown) => port.postMessage({ id: message.id, ok: false, parse: error instanceof DocumentParseError, message: (error as Error).message ?? String(error) } satisfies ReadReply),
    ),
  );
});
await cl100k();
port.postMessage(READY);

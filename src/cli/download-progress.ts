import type { DownloadProgress } from '../gateway/providers/llama-cpp/model-file.js';

/**
 * Shows a model download on stderr: a bar redrawn in place on a terminal, a line every
 * 10% elsewhere (logs, CI), and a last line when it is done.
 */
export function downloadProgress(out: { write(text: string): boolean; isTTY?: boolean } = process.stderr): (progress: DownloadProgress) => void {
  let lastTenth = -1;
  return ({ provider, uri, downloadedBytes, totalBytes }) => {
    const fraction = totalBytes > 0 ? Math.min(1, downloadedBytes / totalBytes) : 0;
    const done = totalBytes > 0 && downloadedBytes >= totalBytes;
    const sizes = `${mb(downloadedBytes)}/${mb(totalBytes)} MB`;
    if (out.isTTY && !process.env.NO_COLOR) {
      const width = 24;
      const bar = '█'.repeat(Math.round(fraction * width)).padEnd(width, '░');
      out.write(`\r\x1b[2Kumca: fetching model for ${provider} ${bar} ${Math.floor(fraction * 100)}% ${sizes}${done ? '\n' : ''}`);
      return;
    }
    const tenth = Math.floor(fraction * 10);
    if (tenth === lastTenth && !done) return;
    lastTenth = tenth;
    out.write(`umca: fetching model for ${provider} from ${uri}: ${Math.floor(fraction * 100)}% (${sizes})\n`);
  };
}

const mb = (bytes: number) => (bytes / 1_048_576).toFixed(1);

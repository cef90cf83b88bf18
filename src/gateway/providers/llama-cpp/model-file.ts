import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ConfigError } from '../../../core/errors.js';

export interface DownloadProgress {
  /** The provider's name in the config. */
  provider: string;
  uri: string;
  downloadedBytes: number;
  totalBytes: number;
}

export interface ModelFileOptions {
  /** The provider's name, for messages. */
  provider: string;
  /** A GGUF file's path, or a URI: `https://…`, `http://…`, `hf:user/repo:quant`, `hf:user/repo/file.gguf`. */
  model: string;
  /** Where URIs are downloaded to: UMCA_HOME/models. */
  modelsDir: string;
  /** The file's expected SHA-256, hex. */
  sha256?: string;
  onProgress?: (progress: DownloadProgress) => void;
  /** Stops a download, keeping what arrived for the next try to continue from. */
  signal?: AbortSignal;
}

const URI = /^(https?:\/\/|hf:)/;

/**
 * The local path of a provider's model: a path as it is (relative to the working
 * directory), or a URI fetched on first use into the models directory with node-llama-cpp's
 * downloader (resumable: a partial download continues where it stopped). Either way the file
 * is checked against `sha256` when one is configured; a download that does not match is deleted.
 */
export async function resolveModelFile(options: ModelFileOptions): Promise<string> {
  const field = `providers.${options.provider}`;
  const remote = URI.test(options.model);
  let path: string;
  if (remote) {
    await mkdir(options.modelsDir, { recursive: true });
    const { createModelDownloader } = await import('node-llama-cpp');
    const downloader = await createModelDownloader({
      modelUri: options.model,
      dirPath: options.modelsDir,
      skipExisting: true,
      // A stopped download keeps its part file (and ipull's progress in it): the next try continues.
      deleteTempFileOnCancel: false,
      onProgress: ({ downloadedSize, totalSize }) =>
        options.onProgress?.({ provider: options.provider, uri: options.model, downloadedBytes: downloadedSize, totalBytes: totalSize }),
    });
    try {
      path = await downloader.download(options.signal ? { signal: options.signal } : {});
      // A cancelled download resolves rather than rejects (ipull closes quietly).
      options.signal?.throwIfAborted();
    } catch (error) {
      if (options.signal?.aborted) throw options.signal.reason ?? error;
      throw new ConfigError(`${field}.model: cannot download ${options.model}: ${(error as Error).message}`);
    }
  } else {
    path = isAbsolute(options.model) ? options.model : resolve(options.model);
    if (!existsSync(path)) throw new ConfigError(`${field}.model: no file at ${path}`);
  }
  if (options.sha256) {
    const actual = await sha256File(path);
    if (actual !== options.sha256.toLowerCase()) {
      if (remote) await rm(path, { force: true });
      throw new ConfigError(`${field}.sha256: ${path} has SHA-256 ${actual}, expected ${options.sha256}${remote ? ' (the download was deleted)' : ''}`);
    }
  }
  return path;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

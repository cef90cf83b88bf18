import { loadConfig } from '../core/load-config.js';
import { composeUmca, type ComposeOptions } from '../composition.js';
import { type Umca } from '../umca.js';
import { downloadProgress } from './download-progress.js';

export interface GlobalOptions {
  config?: string;
}

/** Loads the config (one-line error naming the field on failure) and wires umca. */
export async function openUmca(options: GlobalOptions, compose: ComposeOptions = {}): Promise<Umca> {
  const { config } = loadConfig(options.config === undefined ? {} : { file: options.config });
  return composeUmca(config, { onDownload: downloadProgress(), ...compose });
}

/** Runs `fn` with a wired umca and closes it afterwards, whatever happens. */
export async function withUmca<T>(options: GlobalOptions, fn: (umca: Umca) => Promise<T>, compose: ComposeOptions = {}): Promise<T> {
  const umca = await openUmca(options, compose);
  try {
    return await fn(umca);
  } finally {
    await umca.close();
  }
}

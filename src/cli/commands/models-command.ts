import { statSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../../core/load-config.js';
import { resolveModelFile } from '../../gateway/providers/llama-cpp/model-file.js';
import { CliError } from '../cli-error.js';
import { downloadProgress } from '../download-progress.js';
import { EXIT } from '../exit-codes.js';
import type { GlobalOptions } from '../open-umca.js';

export function modelsCommand(globals: () => GlobalOptions): Command {
  const models = new Command('models').description('model files of embedded (llama-cpp) providers');
  models
    .command('pull')
    .description('fetch (or check) the GGUF file of every llama-cpp provider, or of the one named, into UMCA_HOME/models; Ctrl-C keeps what arrived for the next pull')
    .argument('[provider]', 'a provider name from umca.yaml')
    .option('--json', 'print JSON')
    .action(async (name: string | undefined, options: { json?: boolean }) => {
      const { config } = loadConfig(globals().config === undefined ? {} : { file: globals().config! });
      const embedded = Object.entries(config.providers).filter(([, settings]) => settings.type === 'llama-cpp');
      if (name !== undefined) {
        const settings = config.providers[name];
        if (!settings) throw new CliError(`no provider "${name}" in the config (configured: ${Object.keys(config.providers).join(', ') || 'none'})`);
        if (settings.type !== 'llama-cpp') throw new CliError(`providers.${name} is type ${settings.type}; only llama-cpp providers have a model file`);
      }
      const chosen = embedded.filter(([provider]) => name === undefined || provider === name);
      if (chosen.length === 0) throw new CliError('no llama-cpp provider in the config');
      const stop = new AbortController();
      const interrupt = () => stop.abort(new CliError('interrupted; run `umca models pull` again to continue the download', EXIT.interrupted));
      process.once('SIGINT', interrupt);
      const pulled: Array<{ provider: string; path: string; bytes: number }> = [];
      try {
        for (const [provider, settings] of chosen) {
          if (settings.type !== 'llama-cpp') continue;
          const path = await resolveModelFile({
            provider,
            model: settings.model,
            modelsDir: join(config.home, 'models'),
            signal: stop.signal,
            ...(settings.sha256 ? { sha256: settings.sha256 } : {}),
            ...(options.json ? {} : { onProgress: downloadProgress() }),
          });
          pulled.push({ provider, path, bytes: statSync(path).size });
          if (!options.json) process.stdout.write(`${provider}: ${path} (${(statSync(path).size / 1_048_576).toFixed(1)} MB${settings.sha256 ? ', checksum ok' : ''})\n`);
        }
      } finally {
        process.off('SIGINT', interrupt);
      }
      if (options.json) process.stdout.write(`${JSON.stringify(pulled)}\n`);
    });
  return models;
}

import type { RunEvent } from '../core/events.js';

export interface RendererOptions {
  out: NodeJS.WriteStream | { write(text: string): boolean; isTTY?: boolean };
  /** Colours and a live elapsed-time line; default: when `out` is a TTY and NO_COLOR is unset. */
  live?: boolean;
}

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/**
 * Turns a run's events into terminal lines: the current step, attempt, model calls,
 * gate decisions and test results. On a TTY the running step shows a spinner and its
 * elapsed time, so nothing that takes more than a second looks frozen.
 */
export class ProgressRenderer {
  readonly #out: RendererOptions['out'];
  readonly #live: boolean;
  #current: { label: string; started: number } | undefined;
  /** The running gate step's verdict, shown on one line with its step's completion. */
  #verdict: RunEvent & { type: 'gate.decision' } | undefined;
  #timer: NodeJS.Timeout | undefined;
  #frame = 0;

  constructor(options: RendererOptions) {
    this.#out = options.out;
    this.#live = options.live ?? (Boolean(options.out.isTTY) && !process.env.NO_COLOR);
  }

  render(event: RunEvent): void {
    switch (event.type) {
      case 'run.started':
        return this.#line(this.#dim(`started on ${event.data.worker}`));
      case 'run.resumed':
        return this.#line(`↻ resumed on ${event.data.worker}; finished steps kept: ${event.data.completed_steps.join(', ') || 'none'}`);
      case 'step.started':
        // A gate is one line, written when it has decided; only the live spinner shows it at work.
        return this.#begin(`${event.data.step}${event.data.attempt > 1 ? ` (attempt ${event.data.attempt})` : ''}`, event.data.kind === 'gate');
      case 'step.completed': {
        const verdict = this.#verdict?.data.step === event.data.step ? this.#verdict.data : undefined;
        this.#verdict = undefined;
        if (!verdict) return this.#end(`${this.#green('✓')} ${event.data.step} ${this.#dim(formatMs(event.data.duration_ms))}`);
        const score = verdict.score === undefined ? '' : `score ${verdict.score}${verdict.threshold === undefined ? '' : verdict.decision === 'block' && verdict.score < verdict.threshold ? ` < ${verdict.threshold}` : ''}, `;
        const head = verdict.decision === 'pass' ? `${this.#green('✓')} gate ${verdict.gate} passed` : `${this.#red('■')} gate ${verdict.gate} blocked`;
        // A block's reasons follow on the run's blocked line; a pass shows what scored under 1.
        const notes = verdict.decision === 'pass' && verdict.reasons.length ? ` — ${verdict.reasons.join('; ')}` : '';
        return this.#end(`${head} ${this.#dim(`(${score}${formatMs(event.data.duration_ms)})`)}${notes}`);
      }
      case 'step.failed':
        return this.#end(`${this.#red('✗')} ${event.data.step}: ${event.data.error.message}`);
      case 'model.response':
        return this.#line(
          `  ${event.data.role} ← ${event.data.model} ${this.#dim(`${formatMs(event.data.latency_ms)}, ${event.data.usage.input_tokens}→${event.data.usage.output_tokens} tokens`)}`,
        );
      case 'gate.decision':
        this.#verdict = event;
        return undefined;
      case 'tool.result': {
        const ok = event.data.status === 'ok';
        return this.#line(`  ${ok ? this.#green('⚒') : this.#red('⚒')} ${event.data.tool} ${ok ? 'ok' : this.#red(event.data.status.replace(/_/g, ' '))} ${this.#dim(`(${formatMs(event.data.duration_ms)}, ${event.data.size_bytes} B)`)}${ok ? '' : ` — ${event.data.content.split('\n')[0]}`}`);
      }
      case 'gate.overridden':
        return this.#line(`${this.#green('↷')} gate ${event.data.gate} overridden by ${event.data.by}: ${event.data.reason}`);
      case 'sandbox.started':
        return this.#line(`  tests in ${event.data.lane} ${this.#dim(`(limits: ${event.data.limits.timeout_ms} ms, ${Math.round(event.data.limits.memory_bytes / 1048576)} MiB)`)}`);
      case 'policy.decision':
        // Allows are on the log; a denial is worth a line.
        if (event.data.decision === 'allow') return undefined;
        return this.#line(
          `  ${this.#red('⊘')} policy: ${event.data.principal} may not ${event.data.action} ${event.data.resource.type} ${event.data.resource.id} ${this.#dim(event.data.policies.length ? `(${event.data.policies.join(', ')})` : '(no policy permits it)')}`,
        );
      case 'sandbox.egress':
        return this.#line(
          `    ${event.data.allowed ? this.#green('→') : this.#red('⊘')} ${event.data.host}:${event.data.port} ${this.#dim(event.data.allowed ? `allowed${event.data.address ? ` via ${event.data.address}` : ''}` : `refused: ${event.data.reason.replace(/_/g, ' ')}`)}`,
        );
      case 'sandbox.finished': {
        for (const test of event.data.tests) this.#line(`    ${test.ok ? this.#green('✓') : this.#red('✗')} ${test.name}${test.error ? ` — ${test.error}` : ''}`);
        const limit = event.data.status === 'ok' ? '' : ` ${this.#red(`[${event.data.status}]`)}`;
        return this.#line(`  tests: ${event.data.message}${limit}`);
      }
      case 'artifact.created':
        return this.#line(`  + ${event.data.path} ${this.#dim(`${event.data.size} B`)}`);
      case 'repo.prepared':
        return this.#line(
          `  ${event.data.created ? 'worktree' : 'worktree found'} at ${event.data.commit.slice(0, 12)} of ${event.data.source} ${this.#dim(`(${event.data.files} files; tests: ${event.data.test_command})`)}${event.data.dirty ? `\n  ${this.#yellow('!')} the working tree has uncommitted changes; the run starts from the commit and does not see them` : ''}`,
        );
      case 'repo.edited':
        return this.#line(`  change: ${event.data.files.map((f) => `${f.change === 'added' ? '+' : f.change === 'deleted' ? '-' : '~'}${f.path} ${this.#dim(`+${f.added_lines} -${f.removed_lines}`)}`).join(', ') || 'none'}`);
      case 'model.reply_rejected':
        return this.#line(`  ${this.#red('↺')} ${event.data.role}'s reply sent back: ${event.data.reason.length > 300 ? `${event.data.reason.slice(0, 297)}...` : event.data.reason}`);
      case 'repo.handoff':
        return this.#line(`  ${this.#green('⎇')} branch ${event.data.branch} at ${event.data.commit.slice(0, 12)} (${event.data.files} file${event.data.files === 1 ? '' : 's'}); apply the patch elsewhere with: umca apply ${event.run_id}`);
      case 'run.completed':
        return this.#end(`${this.#green('✓ completed')} in ${formatMs(event.data.duration_ms)} after ${event.data.attempts} attempt${event.data.attempts === 1 ? '' : 's'}`);
      case 'run.failed':
        return this.#end(`${this.#red('✗ failed')}: ${event.data.reason}`);
      case 'run.blocked':
        return this.#end(`${this.#red(`■ blocked by gate ${event.data.gate}`)}: ${event.data.reasons.join('; ')}`);
      case 'run.cancelled':
        return this.#end(`■ cancelled: ${event.data.reason}`);
      default:
        return undefined;
    }
  }

  /** Stops the live line; call before printing anything else or exiting. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#live && this.#current) this.#out.write('\r\x1b[2K');
    this.#current = undefined;
  }

  #begin(label: string, quiet = false): void {
    this.stop();
    this.#current = { label, started: Date.now() };
    if (!this.#live) {
      if (!quiet) this.#out.write(`▸ ${label}\n`);
      return;
    }
    this.#draw();
    this.#timer = setInterval(() => this.#draw(), 100);
    this.#timer.unref();
  }

  #end(text: string): void {
    this.stop();
    this.#out.write(`${text}\n`);
  }

  #line(text: string): void {
    if (this.#live && this.#current) this.#out.write('\r\x1b[2K');
    this.#out.write(`${text}\n`);
    if (this.#live && this.#current) this.#draw();
  }

  #draw(): void {
    if (!this.#current) return;
    this.#frame = (this.#frame + 1) % SPINNER.length;
    const seconds = ((Date.now() - this.#current.started) / 1000).toFixed(1);
    this.#out.write(`\r\x1b[2K${SPINNER[this.#frame]} ${this.#current.label} ${this.#dim(`${seconds}s`)}`);
  }

  #green(text: string): string {
    return this.#live ? `\x1b[32m${text}\x1b[39m` : text;
  }

  #red(text: string): string {
    return this.#live ? `\x1b[31m${text}\x1b[39m` : text;
  }

  #dim(text: string): string {
    return this.#live ? `\x1b[2m${text}\x1b[22m` : text;
  }

  #yellow(text: string): string {
    return this.#live ? `\x1b[33m${text}\x1b[39m` : text;
  }
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

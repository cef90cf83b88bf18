import { useEffect, useState } from 'react';
import { api, download } from '../api.js';
import { ErrorBox } from './error-box.js';
import { formatBytes } from '../format.js';

interface Artifact {
  path: string;
  size: number;
  sha256: string;
}

/** The run's files as a tree; one opens in the viewer, each downloads, all as a zip. */
export function ArtifactBrowser({ runId, artifacts, ended }: { runId: string; artifacts: Artifact[]; ended: boolean }) {
  const [open, setOpen] = useState<string>();
  const [content, setContent] = useState<string>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    if (!open) return;
    setContent(undefined);
    api<string>(`/v1/runs/${runId}/artifacts/${open.split('/').map(encodeURIComponent).join('/')}`).then(
      (text) => setContent(typeof text === 'string' ? text : JSON.stringify(text, null, 2)),
      setError,
    );
  }, [runId, open]);
  if (artifacts.length === 0) return <p className="hint">{ended ? 'No files.' : 'No files yet: they are stored when the run ends.'}</p>;
  const tree = groupByDir(artifacts);
  return (
    <div className="artifacts">
      <div className="tree">
        <button type="button" onClick={() => download(`/v1/runs/${runId}/artifacts.zip`, `umca-run-${runId.slice(0, 8)}.zip`).catch(setError)}>
          Download all (.zip)
        </button>
        {[...tree].map(([dir, files]) => (
          <div key={dir}>
            {dir && <p className="dir">{dir}/</p>}
            <ul>
              {files.map((file) => (
                <li key={file.path}>
                  <button type="button" className={`file${open === file.path ? ' selected' : ''}`} aria-pressed={open === file.path} onClick={() => setOpen(file.path)}>
                    {file.path.split('/').at(-1)}
                  </button>
                  <span className="hint"> {formatBytes(file.size)}</span>
                  <button type="button" className="link" aria-label={`download ${file.path}`} onClick={() => download(`/v1/runs/${runId}/artifacts/${file.path.split("/").map(encodeURIComponent).join("/")}`, file.path.split('/').at(-1)!).catch(setError)}>
                    ↓
                  </button>
                </li>
              ))}
            </ul>
          </div>
        ))}
      </div>
      <div className="viewer">
        <ErrorBox error={error} />
        {open && (
          <figure>
            <figcaption>{open}</figcaption>
            {content === undefined ? <p aria-busy="true">Loading…</p> : <CodeView text={content} />}
          </figure>
        )}
        {!open && <p className="hint">Choose a file to read it here.</p>}
      </div>
    </div>
  );
}

function CodeView({ text }: { text: string }) {
  const lines = text.replace(/\n$/, '').split('\n');
  return (
    <pre className="code" tabIndex={0}>
      {lines.map((line, i) => (
        <div key={i}>
          <span className="ln" aria-hidden="true">{i + 1}</span>
          {line || ' '}
        </div>
      ))}
    </pre>
  );
}

function groupByDir(artifacts: Artifact[]): Map<string, Artifact[]> {
  const tree = new Map<string, Artifact[]>();
  for (const artifact of [...artifacts].sort((a, b) => a.path.localeCompare(b.path))) {
    const dir = artifact.path.includes('/') ? artifact.path.slice(0, artifact.path.lastIndexOf('/')) : '';
    tree.set(dir, [...(tree.get(dir) ?? []), artifact]);
  }
  return tree;
}

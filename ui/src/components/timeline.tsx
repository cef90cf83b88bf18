import { useWindowVirtualizer } from '@tanstack/react-virtual';
import { useLayoutEffect, useRef, useState } from 'react';
import type { StepView } from '../run-model.js';
import { StepCard } from './step-card.js';

/** Past this many steps only those in view are in the page (each card measured as it renders). */
const VIRTUAL_FROM = 200;

/** A run's steps in order; a long run's are virtualized, so thousands scroll without freezing. */
export function Timeline({ steps }: { steps: StepView[] }) {
  if (steps.length < VIRTUAL_FROM) {
    return (
      <ol className="timeline">
        {steps.map((step) => <StepCard key={step.key} step={step} />)}
      </ol>
    );
  }
  return <VirtualTimeline steps={steps} />;
}

function VirtualTimeline({ steps }: { steps: StepView[] }) {
  const list = useRef<HTMLOListElement>(null);
  const [offset, setOffset] = useState(0);
  useLayoutEffect(() => setOffset(list.current?.offsetTop ?? 0), []);
  const rows = useWindowVirtualizer({ count: steps.length, estimateSize: () => 64, overscan: 10, scrollMargin: offset });
  return (
    <ol ref={list} className="timeline" style={{ height: rows.getTotalSize(), position: 'relative' }} aria-label={`${steps.length} steps`}>
      {rows.getVirtualItems().map((row) => (
        <StepCard
          key={row.key}
          step={steps[row.index]!}
          position={{ index: row.index, measure: rows.measureElement, style: { position: 'absolute', top: 0, left: 0, right: 0, transform: `translateY(${row.start - rows.options.scrollMargin}px)` } }}
        />
      ))}
    </ol>
  );
}

import { useVirtualizer } from '@tanstack/react-virtual';
import { useRef } from 'react';

/**
 * A run's raw log, one JSON line per event, in a virtualized list: only the rows in view
 * are in the page, so a run of tens of thousands of events scrolls without freezing.
 */
export function EventLog({ lines }: { lines: string[] }) {
  const parent = useRef<HTMLDivElement>(null);
  const rows = useVirtualizer({ count: lines.length, getScrollElement: () => parent.current, estimateSize: () => 22, overscan: 20 });
  return (
    <div ref={parent} className="event-log" tabIndex={0} role="log" aria-label={`event log, ${lines.length} events`}>
      <div style={{ height: rows.getTotalSize(), position: 'relative' }}>
        {rows.getVirtualItems().map((row) => (
          <div key={row.key} className="log-line" style={{ position: 'absolute', top: 0, left: 0, right: 0, transform: `translateY(${row.start}px)` }}>
            {lines[row.index]}
          </div>
        ))}
      </div>
    </div>
  );
}

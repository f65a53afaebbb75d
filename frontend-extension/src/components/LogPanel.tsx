import React, { useCallback, useEffect, useRef, useState } from 'react';

import type { ServerConnection } from '@jupyterlab/services';

import { hasEnded, IJobLogSnapshot, LOG_REFRESH_MS, LOG_TAIL_LINES, readJobLog } from '../logs';

export interface ILogPanelProps {
  jobId: string;
  settings: ServerConnection.ISettings;
  /** How often a job that has not ended is read again; tests shorten it. */
  refreshMs?: number;
}

/**
 * A job's log: refreshed every few seconds while the job has not ended (its pod's log),
 * read once more when it ends (the copy the executor saved), then left alone. Polling,
 * not the service's follow stream: it survives the proxies between the browser and the
 * service, and it costs one bounded read (the last LOG_TAIL_LINES lines) per refresh.
 */
export function LogPanel(props: ILogPanelProps): JSX.Element {
  const refreshMs = props.refreshMs ?? LOG_REFRESH_MS;
  const [snapshot, setSnapshot] = useState<IJobLogSnapshot | null>(null);
  const [readAt, setReadAt] = useState<Date | null>(null);
  const [generation, setGeneration] = useState(0);
  const pre = useRef<HTMLPreElement>(null);
  const stickToBottom = useRef(true);

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refresh = async (): Promise<void> => {
      const next = await readJobLog(props.settings, props.jobId);
      if (cancelled) {
        return;
      }
      setSnapshot(next);
      setReadAt(new Date());
      // The log is final once the job has ended, and a missing job will not come back.
      if (!hasEnded(next.status) && !next.missing) {
        timer = setTimeout(() => void refresh(), refreshMs);
      }
    };
    void refresh();
    return () => {
      cancelled = true;
      if (timer !== undefined) {
        clearTimeout(timer);
      }
    };
  }, [props.jobId, props.settings, refreshMs, generation]);

  // Follow the end of the log as it grows, unless the user scrolled up to read.
  useEffect(() => {
    const element = pre.current;
    if (element && stickToBottom.current) {
      element.scrollTop = element.scrollHeight;
    }
  }, [snapshot?.text]);

  const onScroll = useCallback(() => {
    const element = pre.current;
    if (element) {
      stickToBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < 20;
    }
  }, []);

  const ended = hasEnded(snapshot?.status);
  let state: string;
  if (snapshot === null) {
    state = 'Reading the log\u2026';
  } else if (snapshot.missing) {
    state = 'Not found';
  } else if (ended) {
    state = `The job is ${snapshot.status}: this is its saved log`;
  } else {
    const seconds = Math.round(refreshMs / 1000);
    state = `${snapshot.status ?? 'Unknown status'}: refreshed every ${seconds} s`;
  }
  const lines = snapshot?.text?.split('\n').length ?? 0;

  return (
    <div className="nbj-LogPanel" data-testid="nbj-log-panel" data-job-id={props.jobId}>
      <div className="nbj-LogPanel-header">
        <span className="nbj-LogPanel-state" data-testid="nbj-log-state" data-ended={ended ? 'true' : 'false'}>
          {state}
        </span>
        {snapshot?.statusMessage && (
          <span className="nbj-LogPanel-message" data-testid="nbj-log-status-message">
            {snapshot.statusMessage}
          </span>
        )}
        {readAt && <span className="nbj-LogPanel-time">read at {readAt.toLocaleTimeString()}</span>}
        {ended && (
          <button
            className="jp-Button jp-mod-styled jp-mod-reject nbj-LogPanel-reload"
            data-testid="nbj-log-reload"
            onClick={() => setGeneration(g => g + 1)}
          >
            Reload
          </button>
        )}
      </div>
      {snapshot?.note && (
        <p className="nbj-LogPanel-note" data-testid="nbj-log-note">
          {snapshot.note}
        </p>
      )}
      {lines >= LOG_TAIL_LINES && (
        <p className="nbj-LogPanel-note">The last {LOG_TAIL_LINES} lines.</p>
      )}
      {snapshot?.text !== null && snapshot?.text !== undefined && (
        <pre className="nbj-LogPanel-text" data-testid="nbj-log-text" ref={pre} onScroll={onScroll}>
          {snapshot.text === '' ? 'The log is empty so far.' : snapshot.text}
        </pre>
      )}
    </div>
  );
}

import React from 'react';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { ServerConnection } from '@jupyterlab/services';

import { LogPanel } from '../src/components/LogPanel';
import { ReadOnlyOptions } from '../src/components/ReadOnlyOptions';
import { LOG_TAIL_LINES, readJobLog } from '../src/logs';
import { LogServer } from './logServer';

// Each test has its own job: a request of an earlier test's panel, still in flight when
// that panel went, must not count in the next. Paths only: ServerConnection adds a
// cache-busting query of its own.
let jobs = 0;
function newJob(): string {
  jobs += 1;
  return `d1b6c3f0-1111-4222-8333-94445555000${jobs}`;
}

describe('the log panel', () => {
  const server = new LogServer();
  let settings: ServerConnection.ISettings;
  beforeAll(async () => {
    const root = await server.start();
    settings = ServerConnection.makeSettings({ baseUrl: `${root}user/bob/` });
  });
  afterAll(() => server.stop());
  let JOB = '';
  beforeEach(() => {
    JOB = newJob();
  });
  const requests = (): string[] =>
    server.requests
      .filter(url => url.includes(JOB))
      .map(url => url.replace(/[?&]\d{10,}$/, ''));

  it('reads the job and the tail of its log through the Jupyter server', async () => {
    server.answerJob(200, { job_id: JOB, status: 'IN_PROGRESS', status_message: 'Running cell 2 of 5, 1 min in' });
    server.answerLog(200, 'line one\nline two\n');
    const snapshot = await readJobLog(settings, JOB);
    expect(snapshot).toEqual({
      status: 'IN_PROGRESS',
      statusMessage: 'Running cell 2 of 5, 1 min in',
      text: 'line one\nline two\n',
      missing: false
    });
    expect(requests()).toEqual([
      `/user/bob/scheduler/jobs/${JOB}`,
      `/user/bob/scheduler/jobs/${JOB}/logs?tail=${LOG_TAIL_LINES}`
    ]);
  });

  it('refreshes while the job runs, reads the saved log once it ends, then stops', async () => {
    server.answerJob(200, { job_id: JOB, status: 'IN_PROGRESS', status_message: 'Running cell 1 of 2, 0 min in' });
    server.answerLog(200, 'cell 1 printed this\n');
    render(<LogPanel jobId={JOB} settings={settings} refreshMs={50} />);
    expect((await screen.findByTestId('nbj-log-text')).textContent).toBe('cell 1 printed this\n');
    expect(screen.getByTestId('nbj-log-state').textContent).toContain('IN_PROGRESS');
    expect(screen.getByTestId('nbj-log-status-message').textContent).toBe('Running cell 1 of 2, 0 min in');

    server.answerJob(200, { job_id: JOB, status: 'COMPLETED', status_message: '' });
    server.answerLog(200, 'cell 1 printed this\ncell 2 printed that\nExit 0\n');
    // A refresh in flight may have read the job before the change and its log after it: wait for both.
    await waitFor(() =>
      expect(screen.getByTestId('nbj-log-state').textContent).toBe('The job is COMPLETED: this is its saved log')
    );
    expect(screen.getByTestId('nbj-log-text').textContent).toContain('cell 2 printed that');
    expect(screen.queryByTestId('nbj-log-status-message')).toBeNull();

    const requestsWhenEnded = requests().length;
    await new Promise(resolve => setTimeout(resolve, 300)); // six refresh intervals
    expect(requests().length).toBe(requestsWhenEnded);

    // Reload reads it again on demand.
    fireEvent.click(screen.getByTestId('nbj-log-reload'));
    await waitFor(() => expect(requests().length).toBe(requestsWhenEnded + 2));
  });

  it("says what the service says when there is no log yet, and keeps asking", async () => {
    server.answerJob(200, { job_id: JOB, status: 'QUEUED' });
    server.answerLog(404, { message: `Job ${JOB} has no log yet: its pod has not started`, reason: null });
    render(<LogPanel jobId={JOB} settings={settings} refreshMs={50} />);
    expect((await screen.findByTestId('nbj-log-note')).textContent).toBe(
      `Job ${JOB} has no log yet: its pod has not started`
    );
    expect(screen.queryByTestId('nbj-log-text')).toBeNull();
    await waitFor(() => expect(requests().length).toBeGreaterThanOrEqual(4));
  });

  it('stops asking about a job that is not found (deleted, or not the caller\u2019s)', async () => {
    server.answerJob(404, { message: `Job ${JOB} not found`, reason: null });
    render(<LogPanel jobId={JOB} settings={settings} refreshMs={50} />);
    expect((await screen.findByTestId('nbj-log-note')).textContent).toBe(`Job ${JOB} not found`);
    expect(screen.getByTestId('nbj-log-state').textContent).toBe('Not found');
    await new Promise(resolve => setTimeout(resolve, 200));
    expect(requests()).toEqual([`/user/bob/scheduler/jobs/${JOB}`]);
  });
});

describe('the job detail view', () => {
  it('offers the log when it can open it', () => {
    const opened: number[] = [];
    const { rerender } = render(<ReadOnlyOptions kind="job" onOpenLog={() => opened.push(1)} />);
    fireEvent.click(screen.getByTestId('nbj-open-log'));
    expect(opened).toEqual([1]);
    rerender(<ReadOnlyOptions kind="job-definition" />);
    expect(screen.queryByTestId('nbj-open-log')).toBeNull();
  });
});

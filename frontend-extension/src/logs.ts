import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** The command that opens a job's log in the main area; args: `{ jobId: string }`. */
export const OPEN_LOG_COMMAND = 'notebook-jobs:open-log';

/** Lines shown: the service's own tail, so a long log costs one bounded read per refresh. */
export const LOG_TAIL_LINES = 2000;

/** How often a running job's log is read again. */
export const LOG_REFRESH_MS = 3000;

/** Statuses after which the log no longer changes (the saved copy is what stays). */
const ENDED = new Set(['COMPLETED', 'FAILED', 'STOPPED']);

export function hasEnded(status: string | undefined): boolean {
  return status !== undefined && ENDED.has(status);
}

/** What one refresh learnt about the job. */
export interface IJobLogSnapshot {
  /** The job's status, when the service answered; undefined when it did not. */
  status?: string;
  /** The job's status_message: a running job's progress ("Running cell 3 of 9, 2 min in"). */
  statusMessage?: string;
  /** The last LOG_TAIL_LINES lines, or null when there is no log (yet). */
  text: string | null;
  /** Why there is no text, or what failed: the service's own message. */
  note?: string;
  /** True when the job is gone or not the caller's (404 on the job): no point refreshing. */
  missing: boolean;
}

async function messageOf(response: Response): Promise<string> {
  const body = await response.text();
  try {
    const parsed = JSON.parse(body);
    if (parsed && typeof parsed.message === 'string' && parsed.message) {
      return parsed.message;
    }
  } catch {
    // not JSON: the text itself, shortened
  }
  return body.trim().slice(0, 300) || response.statusText || `HTTP ${response.status}`;
}

function jobUrl(settings: ServerConnection.ISettings, jobId: string, ...rest: string[]): string {
  return URLExt.join(settings.baseUrl, 'scheduler/jobs', encodeURIComponent(jobId), ...rest);
}

/**
 * Reads the job (status and progress) and the tail of its log through the Jupyter server,
 * which forwards both to the service: the pod's log while it exists, the copy the executor
 * saved afterwards.
 */
export async function readJobLog(
  settings: ServerConnection.ISettings,
  jobId: string
): Promise<IJobLogSnapshot> {
  let job: Response;
  try {
    job = await ServerConnection.makeRequest(jobUrl(settings, jobId), {}, settings);
  } catch (e) {
    return { text: null, note: `The request failed (${String(e)})`, missing: false };
  }
  if (!job.ok) {
    return { text: null, note: await messageOf(job), missing: job.status === 404 };
  }
  const model = (await job.json()) as { status?: unknown; status_message?: unknown };
  const status = typeof model.status === 'string' ? model.status : undefined;
  const statusMessage =
    typeof model.status_message === 'string' && model.status_message ? model.status_message : undefined;

  const url = `${jobUrl(settings, jobId, 'logs')}?tail=${LOG_TAIL_LINES}`;
  let log: Response;
  try {
    log = await ServerConnection.makeRequest(url, {}, settings);
  } catch (e) {
    return { status, statusMessage, text: null, note: `The request failed (${String(e)})`, missing: false };
  }
  if (!log.ok) {
    // 404 here is "no log yet" or "none was saved": the service says which.
    return { status, statusMessage, text: null, note: await messageOf(log), missing: false };
  }
  return { status, statusMessage, text: await log.text(), missing: false };
}
